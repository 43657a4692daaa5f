// l2: the weight-decay penalty λ·Σ_i ‖W_i‖² over its inputs (graphrun adds it from the
// training section's `l2`);  dL/dW_i = 2λ·g·W_i  (g = dL/d penalty).
// On oneDNN: W seen as an m×c matrix (m·c = n, c the divisor of n nearest √n) is squared
// elementwise (binary mul), its column sums taken by a ones-row matmul (K = m), and those
// summed by a ones-column matmul (K = c) scaled by λ and added into the penalty with a
// sum post-op. Two short accumulations keep float32 close to the exact sum (one dot of
// length n was off by 1e-4 for W1's 768 000 elements). The gradient is one binary
// multiplication by the scalar 2λg.
#include <algorithm>

#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

absl::StatusOr<std::vector<graph::TensorType>> L2Shape(const graph::ShapeContext& ctx) {
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.inputs[i].dtype != proto::FLOAT32) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " must be f32, got ", ctx.inputs[i].ToString()));
    }
  }
  return std::vector<graph::TensorType>{{proto::FLOAT32, graph::Shape()}};
}

// The divisor of n nearest √n (from below).
int64_t BalancedColumns(int64_t n) {
  int64_t best = 1;
  for (int64_t c = 1; c * c <= n; ++c) {
    if (n % c == 0) best = c;
  }
  return n / best;  // >= √n, so m = n / c <= c
}

class L2Kernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const auto& e = ctx.engine;
    lambda_ = static_cast<float>(ctx.attrs().GetFloat("lambda"));
    const dnnl::memory::desc scalar = Matrix(1, 1);
    int64_t largest = 1;
    for (const Tensor& w : ctx.in) largest = std::max(largest, w.size());
    squares_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({largest})});
    ones_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({largest})});
    std::fill(ones_.f32(), ones_.f32() + largest, 1.f);
    for (size_t i = 0; i < ctx.in.size(); ++i) {
      const int64_t n = ctx.in[i].size(), c = BalancedColumns(n), m = n / c;
      const dnnl::memory::desc flat({n}, dt::f32, tag::a), matrix = Matrix(m, c),
                               row_m = Matrix(1, m), row_c = Matrix(1, c), column_c = Matrix(c, 1);
      partial_.push_back(Tensor::Allocate({proto::FLOAT32, graph::Shape({c})}));
      // squares = W ⊙ W
      ASSIGN_OR_RETURN(dnnl::primitive square, CachedPrimitive(ctx, Key("l2", "square", n), [&] {
        return dnnl::binary(dnnl::binary::primitive_desc(
            dnnl::binary::desc(dnnl::algorithm::binary_mul, flat, flat, flat), e));
      }));
      forward_.push_back(Step{square, {{DNNL_ARG_SRC_0, Mem(ctx.in[i], flat, e)},
                                       {DNNL_ARG_SRC_1, Mem(ctx.in[i], flat, e)},
                                       {DNNL_ARG_DST, Mem(squares_, flat, e)}}});
      // partial (1×c) = 1ᵀ (1×m) · squares (m×c)
      ASSIGN_OR_RETURN(dnnl::primitive columns, CachedPrimitive(ctx, Key("l2", "columns", m, c), [&] {
        return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(row_m, matrix, row_c), e));
      }));
      forward_.push_back(Step{columns, {{DNNL_ARG_SRC, Mem(ones_, row_m, e)},
                                        {DNNL_ARG_WEIGHTS, Mem(squares_, matrix, e)},
                                        {DNNL_ARG_DST, Mem(partial_.back(), row_c, e)}}});
      // penalty (+)= λ · partial · 1
      const bool add = i > 0;
      ASSIGN_OR_RETURN(dnnl::primitive total,
                       CachedPrimitive(ctx, absl::StrCat(Key("l2", add ? "total+" : "total", c), "/", lambda_), [&] {
                         dnnl::primitive_attr attr = AccumulateAttr(add);
                         attr.set_output_scales(0, {lambda_});
                         return dnnl::matmul(dnnl::matmul::primitive_desc(
                             dnnl::matmul::desc(row_c, column_c, scalar), attr, e));
                       }));
      forward_.push_back(Step{total, {{DNNL_ARG_SRC, Mem(partial_.back(), row_c, e)},
                                      {DNNL_ARG_WEIGHTS, Mem(ones_, column_c, e)},
                                      {DNNL_ARG_DST, Mem(ctx.out[0], scalar, e)}}});
    }
    if (!ctx.training) return absl::OkStatus();
    d_penalty_ = ctx.d_out[0];
    scale_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({1})});
    for (size_t i = 0; i < ctx.in.size(); ++i) {
      if (ctx.d_in[i].empty()) continue;
      const int64_t n = ctx.in[i].size();
      const dnnl::memory::desc v({n}, dt::f32, tag::a), s({1}, dt::f32, tag::a);
      const bool acc = ctx.accumulate[i];
      ASSIGN_OR_RETURN(dnnl::primitive p, CachedPrimitive(ctx, Key("l2", acc ? "bwd+" : "bwd", n), [&] {
        return dnnl::binary(dnnl::binary::primitive_desc(
            dnnl::binary::desc(dnnl::algorithm::binary_mul, v, s, v), AccumulateAttr(acc), e));
      }));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC_0, Mem(ctx.in[i], v, e)},
                                   {DNNL_ARG_SRC_1, Mem(scale_, s, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[i], v, e)}}});
    }
    return absl::OkStatus();
  }

  void Backward(dnnl::stream& stream) override {
    scale_.f32()[0] = 2 * lambda_ * d_penalty_.f32()[0];
    StepKernel::Backward(stream);
  }

 private:
  float lambda_ = 0;
  Tensor d_penalty_, scale_, squares_, ones_;
  std::vector<Tensor> partial_;
};

class L2Reference : public RefKernel {
 public:
  void Forward(const graph::Attrs& attrs, const RefInputs& in, const RefOutputs& out) const override {
    double sum = 0;
    for (const RefTensor* w : in) {
      for (double x : w->data) sum += x * x;
    }
    (*out[0])[0] = attrs.GetFloat("lambda") * sum;
  }
  void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs&,
                const RefInputs& d_out, const RefOutputs& d_in) const override {
    const double scale = 2 * attrs.GetFloat("lambda") * (*d_out[0])[0];
    for (size_t i = 0; i < in.size(); ++i) {
      if (d_in[i] == nullptr) continue;
      for (size_t j = 0; j < in[i]->size(); ++j) (*d_in[i])[j] += scale * (*in[i])[j];
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(l2)
    .Doc("λ·Σ‖W‖² over the inputs.")
    .VariadicInput("w", "tensors to penalise")
    .Output("penalty", "scalar")
    .Attr(graph::AttrSpec::Float("lambda", "λ").Range(0))
    .Shape(L2Shape)
    .Kernel<L2Kernel>()
    .Reference<L2Reference>();

}  // namespace graphrun::ops
