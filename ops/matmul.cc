// matmul: y = op(a) · op(b), op = transpose or identity. b is 2-D; a is 2-D, or of
// higher rank with its leading dimensions folded into rows (as PyTorch's Linear), so
// [N, P, K] · [K, M] = [N, P, M] applies one filter matrix to every patch.
#include "ops/shape_util.h"

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

}  // namespace

GRAPHRUN_REGISTER_OP(matmul)
    .Doc("Matrix product op(a)·op(b); leading dimensions of a fold into rows.")
    .Input("a", "[..., K] (or [K, M'] with transpose_a)")
    .Input("b", "[K, M] (or [M, K] with transpose_b)")
    .Output("y", "[..., M]")
    .Attr(graph::AttrSpec::Bool("transpose_a", "use aᵀ (a must be 2-D)").Default(false))
    .Attr(graph::AttrSpec::Bool("transpose_b", "use bᵀ").Default(false))
    .Shape(MatmulShape)
    .Flops(MatmulFlops);

}  // namespace graphrun::ops
