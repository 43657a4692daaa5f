// l2: the weight-decay penalty λ·Σ‖W‖² over its inputs (graphrun adds it from the
// training section's `l2`); gradient 2λW for each input.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> L2Shape(const graph::ShapeContext& ctx) {
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.inputs[i].dtype != proto::FLOAT32) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " must be f32, got ", ctx.inputs[i].ToString()));
    }
  }
  return std::vector<graph::TensorType>{{proto::FLOAT32, graph::Shape()}};
}

}  // namespace

GRAPHRUN_REGISTER_OP(l2)
    .Doc("λ·Σ‖W‖² over the inputs.")
    .VariadicInput("w", "tensors to penalise")
    .Output("penalty", "scalar")
    .Attr(graph::AttrSpec::Float("lambda", "λ").Range(0))
    .Shape(L2Shape);

}  // namespace graphrun::ops
