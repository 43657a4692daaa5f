// Kernel fusion: chains of nodes that one oneDNN primitive can compute together (a
// matmul with its bias and ReLU as post-ops; patchify + matmul as one strided
// convolution). Patterns are registered from ops/ (runtime/ never includes ops/); the
// executor replaces a matching chain by the pattern's kernel when the chain's inner
// tensors are needed by nothing else (not a target, one consumer each).
#ifndef GRAPHRUN_RUNTIME_FUSION_H_
#define GRAPHRUN_RUNTIME_FUSION_H_

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/op_registry.h"

namespace graphrun::runtime {

struct FusionPattern {
  std::string name;
  // Ops that must follow one another, each consuming the previous one's output 0 as its
  // input 0.
  std::vector<std::string> head;
  // Ops that may follow the head, in this order, each optional.
  std::vector<std::string> tail;
  // Further conditions on a matched chain (node indices, first to last); null: none.
  bool (*accept)(const graph::Graph& graph, const std::vector<int>& chain) = nullptr;
  // The fused kernel. Its KernelContext has `chain` set, `in`/`d_in`/`accumulate` for the
  // chain's outside inputs in chain order (e.g. dense: a, W, b), and the last node's
  // outputs.
  graph::KernelFactory make;
};

class FusionRegistry {
 public:
  static FusionRegistry& Global();
  void Register(FusionPattern pattern);
  // Longest heads first, so that the more specific pattern wins.
  const std::vector<FusionPattern>& patterns() const { return patterns_; }

 private:
  std::vector<FusionPattern> patterns_;
};

struct FusionRegistrar {
  explicit FusionRegistrar(FusionPattern pattern) {
    FusionRegistry::Global().Register(std::move(pattern));
  }
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_FUSION_H_
