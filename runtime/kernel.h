// The interface every op's oneDNN kernel implements. A kernel is made per node and per
// executor; Prepare binds it to the executor's buffers and builds (or fetches from the
// cache) its primitives once, so Forward and Backward only execute them.
#ifndef GRAPHRUN_RUNTIME_KERNEL_H_
#define GRAPHRUN_RUNTIME_KERNEL_H_

#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "runtime/tensor.h"

namespace graphrun::runtime {

// What a kernel is bound to: the node, its forward tensors and its gradient slots.
struct KernelContext {
  const graph::Node* node = nullptr;  // the node (a fused chain's last node)
  std::vector<Tensor> in;     // forward inputs (concrete shapes)
  std::vector<Tensor> out;    // forward outputs
  // Backward (only when `training`): the gradient of each output (empty() when no
  // gradient flows from it) and the gradient slot of each input (empty() when that
  // input needs none). Backward writes d_in[i], or adds into it when accumulate[i]
  // (another consumer of the same tensor wrote it first).
  std::vector<Tensor> d_out;
  std::vector<Tensor> d_in;
  std::vector<bool> accumulate;
  bool training = false;
  dnnl::engine engine;
  // A fused kernel's chain of nodes, first to last (empty for a single node's kernel).
  std::vector<const graph::Node*> chain;

  const graph::Attrs& attrs() const { return node->attrs; }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Binds the kernel to `ctx` and builds its primitives (errors name the node).
  virtual absl::Status Prepare(const KernelContext& ctx) = 0;
  // Computes the outputs, saving in the kernel what Backward needs. Fails only on bad
  // data (e.g. a label out of range), with a message naming the node.
  virtual absl::Status Forward(dnnl::stream& stream) = 0;
  // Writes or adds the gradients of the inputs that need one.
  virtual void Backward(dnnl::stream& stream) = 0;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_KERNEL_H_
