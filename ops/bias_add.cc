// bias_add: y = x + b, the bias broadcast over every dimension but the last.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

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

}  // namespace

GRAPHRUN_REGISTER_OP(bias_add)
    .Doc("x + b, b broadcast along the last dimension of x.")
    .Input("x", "[..., M]")
    .Input("b", "[M]")
    .Output("y", "[..., M]")
    .Shape(BiasAddShape)
    .Flops(BiasAddFlops);

}  // namespace graphrun::ops
