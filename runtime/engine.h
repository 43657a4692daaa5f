// The oneDNN CPU engine and stream, the primitive cache, and the one place where
// dnnl::error becomes an absl::Status.
#ifndef GRAPHRUN_RUNTIME_ENGINE_H_
#define GRAPHRUN_RUNTIME_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace graphrun::runtime {

// The process's CPU engine and its in-order stream.
struct Engine {
  dnnl::engine engine;
  dnnl::stream stream;
};
Engine& CpuEngine();

// Runs `fn`, turning a dnnl::error into an Internal status prefixed with `context`.
absl::Status DnnlCall(absl::string_view context, const std::function<void()>& fn);

// Primitives built once per op, shape and attributes and shared by every executor;
// kernels ask for them by a key that spells all three.
class PrimitiveCache {
 public:
  static PrimitiveCache& Global();
  // The cached primitive for `key`, built by `make` the first time.
  const dnnl::primitive& Get(const std::string& key, const std::function<dnnl::primitive()>& make);
  // How many primitives were built (tests check none are built in a steady state).
  int64_t creations() const { return creations_; }

 private:
  std::map<std::string, dnnl::primitive> primitives_;
  int64_t creations_ = 0;
};

// Bytes allocated for tensors so far (tests check a steady-state step adds none).
int64_t TensorBytesAllocated();

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_ENGINE_H_
