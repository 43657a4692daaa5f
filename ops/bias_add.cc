// bias_add: y = x + b, the bias broadcast over every dimension but the last.
// Seeing x as an R×M matrix:  dL/dx = dL/dy  (the executor lets them share a buffer when
// it can),  dL/db = 1ᵀ · dL/dy  (column sums, one oneDNN matmul with a row of ones).
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

absl::StatusOr<std::vector<graph::TensorType>> BiasAddShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "input x", 1, /*at_least=*/true); !s.ok()) return s;
  if (auto s = ExpectRank(ctx, 1, "input b", 1); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 1, "input b", proto::FLOAT32); !s.ok()) return s;
  const graph::Shape& x = ctx.inputs[0].shape;
  const graph::Shape& b = ctx.inputs[1].shape;
  if (b.dim(0) != x.dim(x.rank() - 1)) {
    return absl::InvalidArgumentError(absl::StrCat("bias b (", b.ToString(),
                                                   ") must match the last dimension of x (",
                                                   x.ToString(), ")"));
  }
  return std::vector<graph::TensorType>{ctx.inputs[0]};
}

int64_t BiasAddFlops(const graph::ShapeContext&, const std::vector<graph::TensorType>& out) {
  return out[0].shape.NumElements();
}

class BiasAddKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const int64_t m = ctx.in[1].size(), r = ctx.in[0].size() / m;
    const auto& e = ctx.engine;
    const dnnl::memory::desc x = Matrix(r, m), b = Matrix(1, m);
    ASSIGN_OR_RETURN(dnnl::primitive fwd, CachedPrimitive(ctx, Key("bias_add", "fwd", r, m), [&] {
      return dnnl::binary(dnnl::binary::primitive_desc(
          dnnl::binary::desc(dnnl::algorithm::binary_add, x, b, x), e));
    }));
    forward_.push_back(Step{fwd, {{DNNL_ARG_SRC_0, Mem(ctx.in[0], x, e)},
                                  {DNNL_ARG_SRC_1, Mem(ctx.in[1], b, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], x, e)}}});
    if (!ctx.training) return absl::OkStatus();
    if (!ctx.d_in[0].empty() && ctx.d_in[0].data() != ctx.d_out[0].data()) {
      // dL/dx = dL/dy in a buffer of its own: copy, or add with a sum post-op.
      const bool acc = ctx.accumulate[0];
      ASSIGN_OR_RETURN(dnnl::primitive p,
                       CachedPrimitive(ctx, Key("bias_add", acc ? "dx+" : "dx", r, m), [&] {
                         return dnnl::reorder(
                             dnnl::reorder::primitive_desc(e, x, e, x, AccumulateAttr(acc)));
                       }));
      backward_.push_back(Step{p, {{DNNL_ARG_FROM, Mem(ctx.d_out[0], x, e)},
                                   {DNNL_ARG_TO, Mem(ctx.d_in[0], x, e)}}});
    }
    if (!ctx.d_in[1].empty()) {
      ones_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({r})});
      std::fill(ones_.f32(), ones_.f32() + r, 1.f);
      const bool acc = ctx.accumulate[1];
      const dnnl::memory::desc row = Matrix(1, r);
      ASSIGN_OR_RETURN(dnnl::primitive p,
                       CachedPrimitive(ctx, Key("bias_add", acc ? "db+" : "db", r, m), [&] {
                         return dnnl::matmul(dnnl::matmul::primitive_desc(
                             dnnl::matmul::desc(row, x, b), AccumulateAttr(acc), e));
                       }));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(ones_, row, e)},
                                   {DNNL_ARG_WEIGHTS, Mem(ctx.d_out[0], x, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[1], b, e)}}});
    }
    return absl::OkStatus();
  }

 private:
  Tensor ones_;
};

class BiasAddReference : public RefKernel {
 public:
  void Forward(const graph::Attrs&, const RefInputs& in, const RefOutputs& out) const override {
    const size_t m = in[1]->size();
    for (size_t i = 0; i < in[0]->size(); ++i) (*out[0])[i] = (*in[0])[i] + (*in[1])[i % m];
  }
  void Backward(const graph::Attrs&, const RefInputs& in, const RefInputs&, const RefInputs& d_out,
                const RefOutputs& d_in) const override {
    const size_t m = in[1]->size();
    for (size_t i = 0; i < in[0]->size(); ++i) {
      if (d_in[0] != nullptr) (*d_in[0])[i] += (*d_out[0])[i];
      if (d_in[1] != nullptr) (*d_in[1])[i % m] += (*d_out[0])[i];
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(bias_add)
    .Doc("x + b, b broadcast along the last dimension of x.")
    .Input("x", "[..., M]")
    .Input("b", "[M]")
    .Output("y", "[..., M]")
    .Shape(BiasAddShape)
    .Flops(BiasAddFlops)
    .GradientPassthrough()
    .Kernel<BiasAddKernel>()
    .Reference<BiasAddReference>();

}  // namespace graphrun::ops
