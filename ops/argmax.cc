// argmax: the index of the largest score per row, for predictions and accuracy.
// No gradient, on purpose.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> ArgmaxShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "input x", 2); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  return std::vector<graph::TensorType>{
      {proto::INT32, graph::Shape({ctx.inputs[0].shape.dim(0)})}};
}

}  // namespace

GRAPHRUN_REGISTER_OP(argmax)
    .Doc("Index of the largest entry of each row: [N, K] -> [N] (i32). No gradient.")
    .Input("x", "[N, K]")
    .Output("index", "[N]")
    .Shape(ArgmaxShape)
    .NoGradient();

}  // namespace graphrun::ops
