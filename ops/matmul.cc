// matmul: y = op(a) · op(b), op = transpose or identity. b is 2-D; a is 2-D, or of
// higher rank with its leading dimensions folded into rows (as PyTorch's Linear), so
// [N, P, K] · [K, M] = [N, P, M] applies one filter matrix to every patch.
//
// With A = op(a) seen as an R×K matrix and B = op(b) as K×M, Y = A·B is R×M, and
//   dL/dA = dL/dY · Bᵀ,   dL/dB = Aᵀ · dL/dY,
// each one oneDNN matmul over strided views (a transposed operand is the same bytes
// with swapped strides), adding into the gradient with a sum post-op when needed.
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> MatmulShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "input a", 2, /*at_least=*/true); !s.ok()) return s;
  if (auto s = ExpectRank(ctx, 1, "input b", 2); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "input a", proto::FLOAT32); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 1, "input b", proto::FLOAT32); !s.ok()) return s;
  const graph::Shape& a = ctx.inputs[0].shape;
  const graph::Shape& b = ctx.inputs[1].shape;
  const bool ta = ctx.attrs.GetBool("transpose_a");
  const bool tb = ctx.attrs.GetBool("transpose_b");
  if (ta && a.rank() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("transpose_a needs a 2-D input a, got ", a.ToString()));
  }
  if (ta && a.batched()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transpose_a would move the batch dimension of a (", a.ToString(), ") out of first place"));
  }
  const int64_t k_a = ta ? a.dim(0) : a.dim(a.rank() - 1);
  const int64_t k_b = tb ? b.dim(1) : b.dim(0);
  if (k_a != k_b) {
    return absl::InvalidArgumentError(absl::StrCat("inner dimensions ", k_a, " and ", k_b,
                                                   " differ (a ", a.ToString(), ", b ",
                                                   b.ToString(), ")"));
  }
  graph::Dims out = a.dims();
  if (ta) out[0] = a.dim(1);
  out.back() = tb ? b.dim(0) : b.dim(1);
  return std::vector<graph::TensorType>{{proto::FLOAT32, graph::Shape(out)}};
}

int64_t MatmulFlops(const graph::ShapeContext& ctx, const std::vector<graph::TensorType>& out) {
  const graph::Shape& b = ctx.inputs[1].shape;
  const int64_t k = ctx.attrs.GetBool("transpose_b") ? b.dim(1) : b.dim(0);
  return 2 * k * out[0].shape.NumElements();
}


using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

// The problem's sizes: A is R×K, B is K×M, Y is R×M.
struct Dims {
  int64_t r, k, m;
  bool ta, tb;
};

Dims MatmulDims(const graph::Shape& a, const graph::Shape& b, const graph::Attrs& attrs) {
  Dims d;
  d.ta = attrs.GetBool("transpose_a");
  d.tb = attrs.GetBool("transpose_b");
  d.k = d.ta ? a.dim(0) : a.dim(a.rank() - 1);
  d.r = a.NumElements() / d.k;
  d.m = d.tb ? b.dim(0) : b.dim(1);
  return d;
}

// Y = X·W, dst += when `accumulate`.
absl::StatusOr<dnnl::primitive> MatmulPrimitive(const KernelContext& ctx, const std::string& key,
                                                const dnnl::memory::desc& x,
                                                const dnnl::memory::desc& w,
                                                const dnnl::memory::desc& y, bool accumulate) {
  return CachedPrimitive(ctx, key + (accumulate ? "+" : ""), [&] {
    return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(x, w, y),
                                                     AccumulateAttr(accumulate), ctx.engine));
  });
}

class MatmulKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const Dims d = MatmulDims(ctx.in[0].shape(), ctx.in[1].shape(), ctx.attrs());
    const std::string shape = Key("", "", d.r, d.k, d.m, d.ta, d.tb);
    const auto& e = ctx.engine;
    const dnnl::memory::desc a = Matrix(d.r, d.k, d.ta), b = Matrix(d.k, d.m, d.tb),
                             y = Matrix(d.r, d.m);
    ASSIGN_OR_RETURN(dnnl::primitive fwd, MatmulPrimitive(ctx, "matmul/fwd" + shape, a, b, y, false));
    forward_.push_back(Step{fwd, {{DNNL_ARG_SRC, Mem(ctx.in[0], a, e)},
                                  {DNNL_ARG_WEIGHTS, Mem(ctx.in[1], b, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], y, e)}}});
    if (!ctx.training) return absl::OkStatus();
    // Every gradient is written in its operand's stored layout with a plain destination
    // (oneDNN has no fast matmul into a strided destination): for a transposed operand
    // the product is computed transposed.
    if (!ctx.d_in[0].empty()) {
      const bool acc = ctx.accumulate[0];
      Args args = {{DNNL_ARG_DST, Mem(ctx.d_in[0], Matrix(d.ta ? d.k : d.r, d.ta ? d.r : d.k), e)}};
      dnnl::primitive p;
      if (!d.ta) {  // dA (R×K) = dY (R×M) · Bᵀ (M×K)
        const dnnl::memory::desc bt = Matrix(d.m, d.k, !d.tb);
        ASSIGN_OR_RETURN(p, MatmulPrimitive(ctx, "matmul/da" + shape, y, bt, Matrix(d.r, d.k), acc));
        args[DNNL_ARG_SRC] = Mem(ctx.d_out[0], y, e);
        args[DNNL_ARG_WEIGHTS] = Mem(ctx.in[1], bt, e);
      } else {      // dAᵀ (K×R) = B (K×M) · dYᵀ (M×R)
        ASSIGN_OR_RETURN(p, MatmulPrimitive(ctx, "matmul/dat" + shape, b, Matrix(d.m, d.r, true),
                                            Matrix(d.k, d.r), acc));
        args[DNNL_ARG_SRC] = Mem(ctx.in[1], b, e);
        args[DNNL_ARG_WEIGHTS] = Mem(ctx.d_out[0], Matrix(d.m, d.r, true), e);
      }
      backward_.push_back(Step{p, args});
    }
    if (!ctx.d_in[1].empty()) {
      const bool acc = ctx.accumulate[1];
      Args args = {{DNNL_ARG_DST, Mem(ctx.d_in[1], Matrix(d.tb ? d.m : d.k, d.tb ? d.k : d.m), e)}};
      dnnl::primitive p;
      if (!d.tb) {  // dB (K×M) = Aᵀ (K×R) · dY (R×M)
        const dnnl::memory::desc at = Matrix(d.k, d.r, !d.ta);
        ASSIGN_OR_RETURN(p, MatmulPrimitive(ctx, "matmul/db" + shape, at, y, Matrix(d.k, d.m), acc));
        args[DNNL_ARG_SRC] = Mem(ctx.in[0], at, e);
        args[DNNL_ARG_WEIGHTS] = Mem(ctx.d_out[0], y, e);
      } else {      // dBᵀ (M×K) = dYᵀ (M×R) · A (R×K)
        ASSIGN_OR_RETURN(p, MatmulPrimitive(ctx, "matmul/dbt" + shape, Matrix(d.m, d.r, true), a,
                                            Matrix(d.m, d.k), acc));
        args[DNNL_ARG_SRC] = Mem(ctx.d_out[0], Matrix(d.m, d.r, true), e);
        args[DNNL_ARG_WEIGHTS] = Mem(ctx.in[0], a, e);
      }
      backward_.push_back(Step{p, args});
    }
    return absl::OkStatus();
  }

};

class MatmulReference : public RefKernel {
 public:
  void Forward(const graph::Attrs& attrs, const RefInputs& in, const RefOutputs& out) const override {
    const Dims d = MatmulDims(in[0]->shape, in[1]->shape, attrs);
    for (int64_t r = 0; r < d.r; ++r)
      for (int64_t k = 0; k < d.k; ++k) {
        const double a = A(*in[0], d, r, k);
        for (int64_t m = 0; m < d.m; ++m) (*out[0])[r * d.m + m] += a * B(*in[1], d, k, m);
      }
  }
  void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs&,
                const RefInputs& d_out, const RefOutputs& d_in) const override {
    const Dims d = MatmulDims(in[0]->shape, in[1]->shape, attrs);
    const RefTensor& dy = *d_out[0];
    for (int64_t r = 0; r < d.r; ++r)
      for (int64_t k = 0; k < d.k; ++k)
        for (int64_t m = 0; m < d.m; ++m) {
          const double g = dy[r * d.m + m];
          if (d_in[0] != nullptr) (*d_in[0])[AIndex(d, r, k)] += g * B(*in[1], d, k, m);
          if (d_in[1] != nullptr) (*d_in[1])[BIndex(d, k, m)] += A(*in[0], d, r, k) * g;
        }
  }

 private:
  static int64_t AIndex(const Dims& d, int64_t r, int64_t k) { return d.ta ? k * d.r + r : r * d.k + k; }
  static int64_t BIndex(const Dims& d, int64_t k, int64_t m) { return d.tb ? m * d.k + k : k * d.m + m; }
  static double A(const RefTensor& a, const Dims& d, int64_t r, int64_t k) { return a[AIndex(d, r, k)]; }
  static double B(const RefTensor& b, const Dims& d, int64_t k, int64_t m) { return b[BIndex(d, k, m)]; }
};

}  // namespace

GRAPHRUN_REGISTER_OP(matmul)
    .Doc("Matrix product op(a)·op(b); leading dimensions of a fold into rows.")
    .Input("a", "[..., K] (or [K, M'] with transpose_a)")
    .Input("b", "[K, M] (or [M, K] with transpose_b)")
    .Output("y", "[..., M]")
    .Attr(graph::AttrSpec::Bool("transpose_a", "use aᵀ (a must be 2-D)").Default(false))
    .Attr(graph::AttrSpec::Bool("transpose_b", "use bᵀ").Default(false))
    .Shape(MatmulShape)
    .Flops(MatmulFlops)
    .Kernel<MatmulKernel>()
    .Reference<MatmulReference>();

}  // namespace graphrun::ops
