// Helpers the ops' kernels share: memory over tensors, strided 2-D views, cache keys,
// and primitive building through the cache with the error turned into a Status.
#ifndef GRAPHRUN_RUNTIME_DNNL_UTIL_H_
#define GRAPHRUN_RUNTIME_DNNL_UTIL_H_

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "runtime/engine.h"
#include "runtime/kernel.h"
#include "runtime/tensor.h"

namespace graphrun::runtime {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using Args = std::unordered_map<int, dnnl::memory>;

// dnnl::memory over a tensor's own bytes, seen through `md` (default: its plain desc).
inline dnnl::memory Mem(const Tensor& t, const dnnl::engine& engine) {
  return dnnl::memory(t.md(), engine, t.data());
}
inline dnnl::memory Mem(const Tensor& t, const dnnl::memory::desc& md, const dnnl::engine& engine) {
  return dnnl::memory(md, engine, t.data());
}

// A rows×cols float matrix stored row-major, or its transpose view when `transposed`
// (the same bytes read as a cols×rows matrix stored row-major).
inline dnnl::memory::desc Matrix(int64_t rows, int64_t cols, bool transposed = false,
                                 dt type = dt::f32) {
  return transposed ? dnnl::memory::desc({rows, cols}, type, dnnl::memory::dims{1, rows})
                    : dnnl::memory::desc({rows, cols}, type, dnnl::memory::dims{cols, 1});
}

// Attributes with a single sum post-op (dst += result) when `accumulate`.
inline dnnl::primitive_attr AccumulateAttr(bool accumulate) {
  dnnl::primitive_attr attr;
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.f);
    attr.set_post_ops(ops);
  }
  return attr;
}

// A cache key: the op, a variant, and every number that shapes the primitive.
template <typename... T>
std::string Key(const std::string& op, const std::string& variant, const T&... numbers) {
  return absl::StrCat(op, "/", variant, "/", absl::StrJoin({static_cast<int64_t>(numbers)...}, ","));
}

// Fetches (or builds and caches) a primitive; a oneDNN failure becomes a Status that
// names the node.
absl::StatusOr<dnnl::primitive> CachedPrimitive(const KernelContext& ctx, const std::string& key,
                                                const std::function<dnnl::primitive()>& make);

// One execution step of a kernel: a primitive with its bound arguments.
struct Step {
  dnnl::primitive prim;
  Args args;
  void Run(dnnl::stream& stream) const { prim.execute(stream, args); }
};

// A kernel whose forward and backward are fixed lists of steps that Prepare builds.
class StepKernel : public Kernel {
 public:
  absl::Status Forward(dnnl::stream& stream) override {
    for (const Step& s : forward_) s.Run(stream);
    return absl::OkStatus();
  }
  void Backward(dnnl::stream& stream) override {
    for (const Step& s : backward_) s.Run(stream);
  }

 protected:
  std::vector<Step> forward_, backward_;
};

// Writes a result that no primitive can accumulate by itself: the primitive writes into
// `target()`, which is the gradient slot itself or, when accumulating, a scratch tensor
// that Finish adds into the slot (binary add).
class GradientSink {
 public:
  absl::Status Prepare(const KernelContext& ctx, const Tensor& slot, bool accumulate);
  const Tensor& target() const { return accumulate_ ? scratch_ : slot_; }
  void Finish(dnnl::stream& stream) const {
    if (accumulate_) add_.Run(stream);
  }

 private:
  bool accumulate_ = false;
  Tensor slot_;
  Tensor scratch_;
  Step add_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_DNNL_UTIL_H_
