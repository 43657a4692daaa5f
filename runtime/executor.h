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
    int unit;  // the executor's unit (a node or a fused chain)
    Kernel* kernel;
  };
  void Clear() { entries_.clear(); }
  void Record(int unit, Kernel* kernel) { entries_.push_back({unit, kernel}); }
  const std::vector<Entry>& entries() const { return entries_; }
  void Reserve(size_t n) { entries_.reserve(n); }

 private:
  std::vector<Entry> entries_;
};

// Per-node kernel times, filled when an executor is given one (each kernel call then
// waits for its primitives to finish, so that the time is its own).
struct Profile {
  std::vector<std::vector<double>> forward_seconds;   // by unit index: one sample per call
  std::vector<std::vector<double>> backward_seconds;
};

struct ExecutorOptions {
  int64_t batch = 100;
  // Values to compute (empty: the objective); the executor runs only the nodes they need.
  std::vector<int> targets;
  // The values whose sum Backward differentiates (empty: the graph's objective, the loss
  // plus the L2 penalty). The trainer passes only the loss: its optimiser applies the
  // penalty's gradient as weight decay.
  std::vector<int> objective;
  // Whether Backward will be called (allocates gradients, kernels save state).
  bool backward = false;
  // Whether chains of nodes may run as one fused kernel (runtime/fusion.h).
  bool fuse = true;
};

// What the executor runs as one kernel: a single node, or a fused chain.
struct Unit {
  std::vector<int> nodes;   // first to last
  std::vector<int> inputs;  // outside inputs (value ids), chain order
  std::vector<bool> differentiable;  // per outside input
  std::string fusion;       // the pattern's name, "" for a single node
  int last() const { return nodes.back(); }
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
  // Whether Backward computes the value's gradient.
  bool needs_grad(int id) const { return needs_grad_[id]; }

  // Runs the planned nodes; records them on `tape` when not null.
  absl::Status Forward(Tape* tape = nullptr);
  // Backward over what `tape` recorded (needs options.backward).
  void Backward(const Tape& tape);

  // The sum of the objective values after Forward (loss plus L2 penalty).
  float Objective() const;
  int64_t batch() const { return options_.batch; }
  const std::vector<int>& planned_nodes() const { return nodes_; }
  // The kernels in execution order.
  const std::vector<Unit>& units() const { return units_; }
  Kernel& unit_kernel(int unit) const { return *kernels_[unit]; }
  // Whether Backward runs the unit (it has an input needing a gradient).
  bool unit_has_backward(int unit) const { return backward_[unit]; }
  // Floating-point operations of a unit for the executor's batch: its forward, or its
  // forward and backward, where a backward costs about the forward's FLOPs once per
  // input that gets a gradient (inside a fused chain, its inner tensors do).
  double UnitFlops(int unit, bool with_backward) const;
  const graph::Graph& graph() const { return graph_; }
  // Starts (or, with null, stops) recording per-node times into `profile`.
  void set_profile(Profile* profile);

 private:
  Executor(const graph::Graph& graph, const ExecutorOptions& options)
      : graph_(graph), options_(options) {}
  void PlanUnits();
  absl::Status PlanValues(ParamStore* params);
  absl::Status PlanGradients(ParamStore* params);
  absl::Status PrepareKernels();

  const graph::Graph& graph_;
  ExecutorOptions options_;
  std::vector<int> nodes_;                    // planned, topological order
  std::vector<Unit> units_;                   // what runs, in order
  std::vector<bool> internal_;                // by value: inside a fused chain (never stored)
  std::vector<Tensor> values_;                // by value id
  std::vector<Tensor> grads_;                 // by value id
  std::vector<bool> needs_grad_;              // by value id
  std::vector<std::vector<bool>> accumulate_; // by unit, per outside input
  std::vector<std::unique_ptr<Kernel>> kernels_;  // by unit
  std::vector<bool> backward_;                // by unit: has an input needing a gradient
  Profile* profile_ = nullptr;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_EXECUTOR_H_
