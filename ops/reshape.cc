// flatten and reshape: the same elements in a new shape (row-major order unchanged).
// flatten(axis) keeps dimensions [0, axis) and merges the rest: [N, P, nf] -> [N, P·nf]
// with index l·nf + k, the study's patch-major conv_flat. reshape(shape) gives the
// per-sample dimensions explicitly; the batch dimension stays first.
//
// Both are views: the executor gives the output the input's buffer and the input's
// gradient the output gradient's buffer, and the kernel only copies (one reorder) when
// it could not (a gradient summed from several consumers).
#include "absl/strings/str_join.h"
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

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

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

// y = x with another shape; dL/dx = dL/dy.
class ReshapeKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const int64_t n = ctx.in[0].size();
    const auto& e = ctx.engine;
    const dnnl::memory::desc md({n}, dt::f32, tag::a);
    if (ctx.in[0].data() != ctx.out[0].data()) {
      ASSIGN_OR_RETURN(dnnl::primitive p, CachedPrimitive(ctx, Key("reshape", "copy", n), [&] {
        return dnnl::reorder(dnnl::reorder::primitive_desc(e, md, e, md));
      }));
      forward_.push_back(Step{p, {{DNNL_ARG_FROM, Mem(ctx.in[0], md, e)},
                                  {DNNL_ARG_TO, Mem(ctx.out[0], md, e)}}});
    }
    if (ctx.training && !ctx.d_in[0].empty() && ctx.d_in[0].data() != ctx.d_out[0].data()) {
      const bool acc = ctx.accumulate[0];
      ASSIGN_OR_RETURN(dnnl::primitive p,
                       CachedPrimitive(ctx, Key("reshape", acc ? "grad+" : "grad", n), [&] {
                         return dnnl::reorder(
                             dnnl::reorder::primitive_desc(e, md, e, md, AccumulateAttr(acc)));
                       }));
      backward_.push_back(Step{p, {{DNNL_ARG_FROM, Mem(ctx.d_out[0], md, e)},
                                   {DNNL_ARG_TO, Mem(ctx.d_in[0], md, e)}}});
    }
    return absl::OkStatus();
  }

};

class ReshapeReference : public RefKernel {
 public:
  void Forward(const graph::Attrs&, const RefInputs& in, const RefOutputs& out) const override {
    out[0]->data = in[0]->data;
  }
  void Backward(const graph::Attrs&, const RefInputs&, const RefInputs&, const RefInputs& d_out,
                const RefOutputs& d_in) const override {
    if (d_in[0] == nullptr) return;
    for (size_t i = 0; i < d_in[0]->size(); ++i) (*d_in[0])[i] += (*d_out[0])[i];
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(flatten)
    .Doc("Merges the dimensions from `axis` on into one: [N, P, nf] -> [N, P·nf].")
    .Input("x")
    .Output("y")
    .Attr(graph::AttrSpec::Int("axis", "first dimension to merge").Default(int64_t{1}).Range(1))
    .Shape(FlattenShape)
    .ForwardAlias()
    .GradientPassthrough()
    .Kernel<ReshapeKernel>()
    .Reference<ReshapeReference>();

GRAPHRUN_REGISTER_OP(reshape)
    .Doc("The same elements with per-sample dimensions `shape` (batch dimension kept).")
    .Input("x")
    .Output("y")
    .Attr(graph::AttrSpec::IntList("shape", "new per-sample dimensions").Range(1))
    .Shape(ReshapeShape)
    .ForwardAlias()
    .GradientPassthrough()
    .Kernel<ReshapeKernel>()
    .Reference<ReshapeReference>();

}  // namespace graphrun::ops
