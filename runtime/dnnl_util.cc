#include "runtime/dnnl_util.h"

namespace graphrun::runtime {

absl::StatusOr<dnnl::primitive> CachedPrimitive(const KernelContext& ctx, const std::string& key,
                                                const std::function<dnnl::primitive()>& make) {
  dnnl::primitive prim;
  absl::Status status = DnnlCall(
      absl::StrCat("node '", ctx.node->name, "' (", ctx.node->op->name, ")"),
      [&] { prim = PrimitiveCache::Global().Get(key, make); });
  if (!status.ok()) return status;
  return prim;
}

absl::Status GradientSink::Prepare(const KernelContext& ctx, const Tensor& slot, bool accumulate) {
  accumulate_ = accumulate;
  slot_ = slot;
  if (!accumulate) return absl::OkStatus();
  scratch_ = Tensor::Allocate(slot.type());
  const int64_t n = slot.size();
  const dnnl::memory::desc md({n}, dt::f32, tag::a);
  absl::StatusOr<dnnl::primitive> prim = CachedPrimitive(ctx, Key("util", "accumulate", n), [&] {
    return dnnl::binary(dnnl::binary::primitive_desc(
        dnnl::binary::desc(dnnl::algorithm::binary_add, md, md, md), ctx.engine));
  });
  if (!prim.ok()) return prim.status();
  add_ = Step{*prim,
              {{DNNL_ARG_SRC_0, Mem(slot, md, ctx.engine)},
               {DNNL_ARG_SRC_1, Mem(scratch_, md, ctx.engine)},
               {DNNL_ARG_DST, Mem(slot, md, ctx.engine)}}};
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
