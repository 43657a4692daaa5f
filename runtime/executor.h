// The executor: a graph instantiated for one batch size on oneDNN. It owns every
// tensor and gradient buffer of the nodes it runs, planned once; Forward runs each
// node's kernel in topological order and records it on a Tape; Backward walks the tape
// in reverse, seeding d(objective) = 1, and computes only the gradients that lead to
// trainable parameters. Nothing is allocated and no primitive is built after Create.
#ifndef GRAPHRUN_RUNTIME_EXECUTOR_H_
#define GRAPHRUN_RUNTIME_EXECUTOR_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/kernel.h"
#include "runtime/params.h"
#include "runtime/tensor.h"

namespace graphrun::runtime {

// What forward recorded: the executed nodes in order, each with its kernel, whose saved
// state is valid until that executor's next Forward.
class Tape {
 public:
  struct Entry {
    int node;
    Kernel* kernel;
  };
  void Clear() { entries_.clear(); }
  void Record(int node, Kernel* kernel) { entries_.push_back({node, kernel}); }
  const std::vector<Entry>& entries() const { return entries_; }
  void Reserve(size_t n) { entries_.reserve(n); }

 private:
  std::vector<Entry> entries_;
};

struct ExecutorOptions {
  int64_t batch = 100;
  // Values to compute (empty: the objective); the executor runs only the nodes they need.
  std::vector<int> targets;
  // Whether Backward will be called (allocates gradients, kernels save state).
  bool backward = false;
};

class Executor {
 public:
  static absl::StatusOr<std::unique_ptr<Executor>> Create(const graph::Graph& graph,
                                                          ParamStore* params,
                                                          const ExecutorOptions& options);

  // The tensor of any value the executor touches: fill inputs before Forward, read
  // outputs after. Parameters are the ParamStore's own tensors.
  Tensor& value(int id) { return values_[id]; }
  // The gradient of a value after Backward (empty() when it needs none).
  const Tensor& grad(int id) const { return grads_[id]; }
  bool has_value(int id) const { return !values_[id].empty(); }

  // Runs the planned nodes; records them on `tape` when not null.
  absl::Status Forward(Tape* tape = nullptr);
  // Backward over what `tape` recorded (needs options.backward).
  void Backward(const Tape& tape);

  // The sum of the objective values after Forward (loss plus L2 penalty).
  float Objective() const;
  int64_t batch() const { return options_.batch; }
  const std::vector<int>& planned_nodes() const { return nodes_; }
  const graph::Graph& graph() const { return graph_; }
  Kernel* kernel(int node) const { return kernels_[node].get(); }

 private:
  Executor(const graph::Graph& graph, const ExecutorOptions& options)
      : graph_(graph), options_(options) {}
  absl::Status PlanValues(ParamStore* params);
  absl::Status PlanGradients(ParamStore* params);
  absl::Status PrepareKernels();

  const graph::Graph& graph_;
  ExecutorOptions options_;
  std::vector<int> nodes_;                    // planned, topological order
  std::vector<Tensor> values_;                // by value id
  std::vector<Tensor> grads_;                 // by value id
  std::vector<bool> needs_grad_;              // by value id
  std::vector<std::vector<bool>> accumulate_; // by node, per input
  std::vector<std::unique_ptr<Kernel>> kernels_;  // by node (null when not planned)
  std::vector<bool> backward_;                // by node: has an input needing a gradient
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_EXECUTOR_H_
