// flatten and reshape: the same elements in a new shape (row-major order unchanged).
// flatten(axis) keeps dimensions [0, axis) and merges the rest: [N, P, nf] -> [N, P·nf]
// with index l·nf + k, the study's patch-major conv_flat. reshape(shape) gives the
// per-sample dimensions explicitly; the batch dimension stays first.
#include "absl/strings/str_join.h"
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> FlattenShape(const graph::ShapeContext& ctx) {
  const graph::Shape& x = ctx.inputs[0].shape;
  const int64_t axis = ctx.attrs.GetInt("axis");
  if (axis > x.rank()) {
    return absl::InvalidArgumentError(
        absl::StrCat("axis ", axis, " is beyond the rank of x (", x.ToString(), ")"));
  }
  graph::Dims out(x.dims().begin(), x.dims().begin() + axis);
  out.push_back(x.Product(static_cast<int>(axis)));
  return std::vector<graph::TensorType>{{ctx.inputs[0].dtype, graph::Shape(out)}};
}

absl::StatusOr<std::vector<graph::TensorType>> ReshapeShape(const graph::ShapeContext& ctx) {
  const graph::Shape& x = ctx.inputs[0].shape;
  const std::vector<int64_t>& dims = ctx.attrs.GetIntList("shape");
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d > graph::kMaxElements / count) {
      return absl::InvalidArgumentError("attr 'shape' has more than 2^34 elements");
    }
    count *= d;
  }
  const int64_t have = x.Product(x.batched() ? 1 : 0);
  if (count != have) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot reshape ", x.ToString(), " to ", x.batched() ? "N×" : "",
        absl::StrJoin(dims, "×"), ": ", have, " elements per sample, shape asks for ", count));
  }
  graph::Dims out;
  if (x.batched()) out.push_back(graph::kBatch);
  out.insert(out.end(), dims.begin(), dims.end());
  return std::vector<graph::TensorType>{{ctx.inputs[0].dtype, graph::Shape(out)}};
}

}  // namespace

GRAPHRUN_REGISTER_OP(flatten)
    .Doc("Merges the dimensions from `axis` on into one: [N, P, nf] -> [N, P·nf].")
    .Input("x")
    .Output("y")
    .Attr(graph::AttrSpec::Int("axis", "first dimension to merge").Default(int64_t{1}).Range(1))
    .Shape(FlattenShape);

GRAPHRUN_REGISTER_OP(reshape)
    .Doc("The same elements with per-sample dimensions `shape` (batch dimension kept).")
    .Input("x")
    .Output("y")
    .Attr(graph::AttrSpec::IntList("shape", "new per-sample dimensions").Range(1))
    .Shape(ReshapeShape);

}  // namespace graphrun::ops
