// patchify: cut each image into non-overlapping f×f patches at stride f (the study's
// "MX" matrix). x is [N, C, H, W]; y is [N, P, f·f·C] with P = (H/f)·(W/f) patches in
// row-major order over the grid, each patch vector ordered (a·f + b)·C + c (patch row a,
// patch column b, channel c fastest). Followed by a matmul with an [f·f·C, nf] filter
// matrix it is the study's stride-f convolution.
//
// On oneDNN it is one reorder: x seen as the 6-D tensor (n, pr, pc, a, b, c) through
// strides (C·H·W, f·W, f, W, 1, H·W), copied to the dense layout of y. Its backward is
// the inverse scatter, the same reorder the other way (patches do not overlap).
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

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

// The 6-D views of x (strided) and y (dense) that make patchify a reorder.
struct PatchViews {
  dnnl::memory::desc image, patches;
  dnnl::memory::dims dims;
};

PatchViews Views(const graph::Shape& x, int64_t f) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  PatchViews v;
  v.dims = {n, h / f, w / f, f, f, c};
  v.image = dnnl::memory::desc(v.dims, dt::f32, dnnl::memory::dims{c * h * w, f * w, f, w, 1, h * w});
  v.patches = dnnl::memory::desc(v.dims, dt::f32, tag::abcdef);
  return v;
}

class PatchifyKernel : public StepKernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const int64_t f = ctx.attrs().GetInt("size");
    const PatchViews v = Views(ctx.in[0].shape(), f);
    const auto& d = v.dims;
    ASSIGN_OR_RETURN(dnnl::primitive fwd,
                     CachedPrimitive(ctx, Key("patchify", "fwd", d[0], d[1], d[2], d[3], d[5]), [&] {
                       return dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine, v.image,
                                                                          ctx.engine, v.patches));
                     }));
    forward_.push_back(Step{fwd, {{DNNL_ARG_FROM, Mem(ctx.in[0], v.image, ctx.engine)},
                                  {DNNL_ARG_TO, Mem(ctx.out[0], v.patches, ctx.engine)}}});
    if (!ctx.training || ctx.d_in[0].empty()) return absl::OkStatus();
    // dL/dx[n, c, pr·f + a, pc·f + b] = dL/dy[n, pr·(W/f) + pc, (a·f + b)·C + c]
    const bool acc = ctx.accumulate[0];
    ASSIGN_OR_RETURN(
        dnnl::primitive bwd,
        CachedPrimitive(ctx, Key("patchify", acc ? "bwd+" : "bwd", d[0], d[1], d[2], d[3], d[5]), [&] {
          return dnnl::reorder(dnnl::reorder::primitive_desc(ctx.engine, v.patches, ctx.engine,
                                                             v.image, AccumulateAttr(acc)));
        }));
    backward_.push_back(Step{bwd, {{DNNL_ARG_FROM, Mem(ctx.d_out[0], v.patches, ctx.engine)},
                                   {DNNL_ARG_TO, Mem(ctx.d_in[0], v.image, ctx.engine)}}});
    return absl::OkStatus();
  }

};

class PatchifyReference : public RefKernel {
 public:
  // Calls fn(image index, patch index) for every element pair of x and y.
  template <typename Fn>
  static void ForEach(const graph::Shape& x, int64_t f, Fn fn) {
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    const int64_t grid_w = w / f, patch = f * f * c, patches = (h / f) * grid_w;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t pr = 0; pr < h / f; ++pr)
        for (int64_t pc = 0; pc < grid_w; ++pc)
          for (int64_t a = 0; a < f; ++a)
            for (int64_t b = 0; b < f; ++b)
              for (int64_t ch = 0; ch < c; ++ch) {
                const int64_t image = ((i * c + ch) * h + pr * f + a) * w + pc * f + b;
                const int64_t l = pr * grid_w + pc;
                fn(image, (i * patches + l) * patch + (a * f + b) * c + ch);
              }
  }
  void Forward(const graph::Attrs& attrs, const RefInputs& in, const RefOutputs& out) const override {
    ForEach(in[0]->shape, attrs.GetInt("size"),
            [&](int64_t image, int64_t p) { (*out[0])[p] = (*in[0])[image]; });
  }
  void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs&,
                const RefInputs& d_out, const RefOutputs& d_in) const override {
    if (d_in[0] == nullptr) return;
    ForEach(in[0]->shape, attrs.GetInt("size"),
            [&](int64_t image, int64_t p) { (*d_in[0])[image] += (*d_out[0])[p]; });
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(patchify)
    .Doc("Non-overlapping f×f patches at stride f: [N,C,H,W] -> [N, (H/f)(W/f), f·f·C].")
    .Input("x", "images [N, C, H, W]")
    .Output("y", "patches [N, P, f·f·C], patch-major, channel fastest within a patch")
    .Attr(graph::AttrSpec::Int("size", "patch side f; must divide H and W").Range(1))
    .Shape(PatchifyShape)
    .Kernel<PatchifyKernel>()
    .Reference<PatchifyReference>();

}  // namespace graphrun::ops
