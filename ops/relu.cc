// relu: y = max(x, 0), elementwise.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> ReluShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  return std::vector<graph::TensorType>{ctx.inputs[0]};
}

int64_t ReluFlops(const graph::ShapeContext&, const std::vector<graph::TensorType>& out) {
  return out[0].shape.NumElements();
}

}  // namespace

GRAPHRUN_REGISTER_OP(relu)
    .Doc("max(x, 0), elementwise.")
    .Input("x")
    .Output("y")
    .Shape(ReluShape)
    .Flops(ReluFlops);

}  // namespace graphrun::ops
