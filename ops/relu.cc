// relu: y = max(x, 0), elementwise.
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

absl::StatusOr<std::vector<graph::TensorType>> ReluShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  return std::vector<graph::TensorType>{ctx.inputs[0]};
}

int64_t ReluFlops(const graph::ShapeContext&, const std::vector<graph::TensorType>& out) {
  return out[0].shape.NumElements();
}

class ReluKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const int64_t n = ctx.in[0].size();
    const dnnl::memory::desc md({n}, dt::f32, tag::a);
    const auto prop = ctx.training ? dnnl::prop_kind::forward_training
                                   : dnnl::prop_kind::forward_inference;
    auto forward_pd = [&] {
      return dnnl::eltwise_forward::primitive_desc(
          dnnl::eltwise_forward::desc(prop, dnnl::algorithm::eltwise_relu, md, 0.f), ctx.engine);
    };
    ASSIGN_OR_RETURN(dnnl::primitive fwd, CachedPrimitive(ctx, Key("relu", "fwd", n, ctx.training),
                                                          [&] { return dnnl::eltwise_forward(forward_pd()); }));
    forward_.push_back(Step{fwd, {{DNNL_ARG_SRC, Mem(ctx.in[0], md, ctx.engine)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], md, ctx.engine)}}});
    if (!ctx.training || ctx.d_in[0].empty()) return absl::OkStatus();
    // dL/dx = dL/dy · [x > 0]
    RETURN_IF_ERROR(sink_.Prepare(ctx, ctx.d_in[0], ctx.accumulate[0]));
    ASSIGN_OR_RETURN(dnnl::primitive bwd, CachedPrimitive(ctx, Key("relu", "bwd", n), [&] {
      return dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(
          dnnl::eltwise_backward::desc(dnnl::algorithm::eltwise_relu, md, md, 0.f), ctx.engine,
          forward_pd()));
    }));
    backward_.push_back(Step{bwd, {{DNNL_ARG_SRC, Mem(ctx.in[0], md, ctx.engine)},
                                   {DNNL_ARG_DIFF_DST, Mem(ctx.d_out[0], md, ctx.engine)},
                                   {DNNL_ARG_DIFF_SRC, Mem(sink_.target(), md, ctx.engine)}}});
    return absl::OkStatus();
  }

  void Backward(dnnl::stream& stream) override {
    StepKernel::Backward(stream);
    sink_.Finish(stream);
  }

 private:
  GradientSink sink_;
};

class ReluReference : public RefKernel {
 public:
  void Forward(const graph::Attrs&, const RefInputs& in, const RefOutputs& out) const override {
    for (size_t i = 0; i < in[0]->size(); ++i) (*out[0])[i] = std::max((*in[0])[i], 0.0);
  }
  void Backward(const graph::Attrs&, const RefInputs& in, const RefInputs&, const RefInputs& d_out,
                const RefOutputs& d_in) const override {
    if (d_in[0] == nullptr) return;
    for (size_t i = 0; i < in[0]->size(); ++i) {
      if ((*in[0])[i] > 0) (*d_in[0])[i] += (*d_out[0])[i];
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(relu)
    .Doc("max(x, 0), elementwise.")
    .Input("x")
    .Output("y")
    .Shape(ReluShape)
    .Flops(ReluFlops)
    .Kernel<ReluKernel>()
    .Reference<ReluReference>();

}  // namespace graphrun::ops
