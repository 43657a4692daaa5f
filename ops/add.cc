// add: y = a + b, elementwise, same shapes (merging two branches of a graph).
// dL/da = dL/dy and dL/db = dL/dy: copies (or additions when accumulating) by reorder,
// and a shared buffer for a when the executor can.
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

absl::StatusOr<std::vector<graph::TensorType>> AddShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectDType(ctx, 0, "input a", proto::FLOAT32); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 1, "input b", proto::FLOAT32); !s.ok()) return s;
  if (ctx.inputs[0].shape != ctx.inputs[1].shape) {
    return absl::InvalidArgumentError(absl::StrCat("inputs differ in shape: a ",
                                                   ctx.inputs[0].shape.ToString(), ", b ",
                                                   ctx.inputs[1].shape.ToString()));
  }
  return std::vector<graph::TensorType>{ctx.inputs[0]};
}

int64_t AddFlops(const graph::ShapeContext&, const std::vector<graph::TensorType>& out) {
  return out[0].shape.NumElements();
}

class AddKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const int64_t n = ctx.in[0].size();
    const auto& e = ctx.engine;
    const dnnl::memory::desc md({n}, dt::f32, tag::a);
    ASSIGN_OR_RETURN(dnnl::primitive fwd, CachedPrimitive(ctx, Key("add", "fwd", n), [&] {
      return dnnl::binary(dnnl::binary::primitive_desc(
          dnnl::binary::desc(dnnl::algorithm::binary_add, md, md, md), e));
    }));
    forward_.push_back(Step{fwd, {{DNNL_ARG_SRC_0, Mem(ctx.in[0], md, e)},
                                  {DNNL_ARG_SRC_1, Mem(ctx.in[1], md, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], md, e)}}});
    if (!ctx.training) return absl::OkStatus();
    for (int i = 0; i < 2; ++i) {
      if (ctx.d_in[i].empty() || ctx.d_in[i].data() == ctx.d_out[0].data()) continue;
      const bool acc = ctx.accumulate[i];
      ASSIGN_OR_RETURN(dnnl::primitive p, CachedPrimitive(ctx, Key("add", acc ? "grad+" : "grad", n), [&] {
        return dnnl::reorder(dnnl::reorder::primitive_desc(e, md, e, md, AccumulateAttr(acc)));
      }));
      backward_.push_back(Step{p, {{DNNL_ARG_FROM, Mem(ctx.d_out[0], md, e)},
                                   {DNNL_ARG_TO, Mem(ctx.d_in[i], md, e)}}});
    }
    return absl::OkStatus();
  }

};

class AddReference : public RefKernel {
 public:
  void Forward(const graph::Attrs&, const RefInputs& in, const RefOutputs& out) const override {
    for (size_t i = 0; i < in[0]->size(); ++i) (*out[0])[i] = (*in[0])[i] + (*in[1])[i];
  }
  void Backward(const graph::Attrs&, const RefInputs& in, const RefInputs&, const RefInputs& d_out,
                const RefOutputs& d_in) const override {
    for (int k = 0; k < 2; ++k) {
      if (d_in[k] == nullptr) continue;
      for (size_t i = 0; i < in[k]->size(); ++i) (*d_in[k])[i] += (*d_out[0])[i];
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(add)
    .Doc("a + b, elementwise, same shapes.")
    .Input("a")
    .Input("b")
    .Output("y")
    .Shape(AddShape)
    .Flops(AddFlops)
    .GradientPassthrough()
    .Kernel<AddKernel>()
    .Reference<AddReference>();

}  // namespace graphrun::ops
