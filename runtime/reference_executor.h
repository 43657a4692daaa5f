// Runs a whole graph on the reference kernels in double precision: forward, and
// backward from the objective (loss plus L2 penalty) to every value that needs a
// gradient. Used by tests and gradcheck.
#ifndef GRAPHRUN_RUNTIME_REFERENCE_EXECUTOR_H_
#define GRAPHRUN_RUNTIME_REFERENCE_EXECUTOR_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/reference.h"

namespace graphrun::runtime {

class RefExecutor {
 public:
  // Every value shaped for `batch` samples; inputs and parameters start at zero.
  static absl::StatusOr<std::unique_ptr<RefExecutor>> Create(const graph::Graph& graph,
                                                             int64_t batch);

  // Any value: set inputs and parameters before Forward, read outputs after.
  RefTensor& value(int id) { return values_[id]; }
  const RefTensor& grad(int id) const { return grads_[id]; }
  // Whether backward computes a gradient for the value.
  bool needs_grad(int id) const { return needs_grad_[id]; }

  // Runs every node in topological order, starting at node index `first` (the earlier
  // nodes' outputs are kept: used to perturb an intermediate value).
  void Forward(int first = 0);
  // The sum of the objective values after Forward.
  double Objective() const;
  // Zeroes the gradients, seeds d(objective)=1 and walks the nodes backwards.
  void Backward();

 private:
  RefExecutor(const graph::Graph& graph) : graph_(graph) {}

  const graph::Graph& graph_;
  std::vector<std::unique_ptr<RefKernel>> kernels_;
  std::vector<RefTensor> values_;
  std::vector<RefTensor> grads_;
  std::vector<bool> needs_grad_;
};

// For each value of `graph`: whether the gradient of the sum of `objective` must be
// computed for it over `nodes`, i.e. it depends on a trainable parameter and leads to
// the objective. The same rule decides both backends' backward passes.
std::vector<bool> ValuesNeedingGradient(const graph::Graph& graph, const std::vector<int>& nodes,
                                        const std::vector<int>& objective);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_REFERENCE_EXECUTOR_H_
