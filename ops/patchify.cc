// patchify: cut each image into non-overlapping f×f patches at stride f (the study's
// "MX" matrix). x is [N, C, H, W]; y is [N, P, f·f·C] with P = (H/f)·(W/f) patches in
// row-major order over the grid, each patch vector ordered (a·f + b)·C + c (patch row a,
// patch column b, channel c fastest). Followed by a matmul with an [f·f·C, nf] filter
// matrix it is the study's stride-f convolution.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> PatchifyShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "input x", 4); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  const graph::Shape& x = ctx.inputs[0].shape;
  const int64_t f = ctx.attrs.GetInt("size");
  if (x.dim(2) % f != 0 || x.dim(3) % f != 0) {
    return absl::InvalidArgumentError(absl::StrCat("patch size ", f, " does not divide the image size ",
                                                   x.dim(2), "×", x.dim(3)));
  }
  const int64_t patches = (x.dim(2) / f) * (x.dim(3) / f);
  return std::vector<graph::TensorType>{
      {proto::FLOAT32, graph::Shape({x.dim(0), patches, f * f * x.dim(1)})}};
}

}  // namespace

GRAPHRUN_REGISTER_OP(patchify)
    .Doc("Non-overlapping f×f patches at stride f: [N,C,H,W] -> [N, (H/f)(W/f), f·f·C].")
    .Input("x", "images [N, C, H, W]")
    .Output("y", "patches [N, P, f·f·C], patch-major, channel fastest within a patch")
    .Attr(graph::AttrSpec::Int("size", "patch side f; must divide H and W").Range(1))
    .Shape(PatchifyShape);

}  // namespace graphrun::ops
