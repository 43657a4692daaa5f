#include "runtime/engine.h"

#include "absl/strings/str_cat.h"

namespace graphrun::runtime {

Engine& CpuEngine() {
  static Engine* engine = [] {
    auto* e = new Engine;
    e->engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
    e->stream = dnnl::stream(e->engine);
    return e;
  }();
  return *engine;
}

absl::Status DnnlCall(absl::string_view context, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat(context, ": oneDNN: ", e.what(), " (status ",
                                            static_cast<int>(e.status), ")"));
  }
  return absl::OkStatus();
}

PrimitiveCache& PrimitiveCache::Global() {
  static PrimitiveCache* cache = new PrimitiveCache;
  return *cache;
}

const dnnl::primitive& PrimitiveCache::Get(const std::string& key,
                                           const std::function<dnnl::primitive()>& make) {
  auto it = primitives_.find(key);
  if (it != primitives_.end()) return it->second;
  ++creations_;
  return primitives_.emplace(key, make()).first->second;
}

}  // namespace graphrun::runtime
