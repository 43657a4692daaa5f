// One training step as the trainer runs it: forward and backward on the training
// executor, then the optimiser's update. Shared by the trainer, `graphrun time` and the
// benchmarks, so that all three measure the same thing.
#ifndef GRAPHRUN_RUNTIME_TRAINING_STEP_H_
#define GRAPHRUN_RUNTIME_TRAINING_STEP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/executor.h"
#include "runtime/optimizer.h"
#include "runtime/params.h"

namespace graphrun::runtime {

// oneDNN's best instruction set on this CPU ("avx2", "avx512_core_bf16", ...).
std::string CpuIsaName();

class TrainingStep {
 public:
  // The executor for `batch` samples with backward, and the model's optimiser over `params`.
  // training.precision BF16 is an error naming what the CPU lacks.
  static absl::StatusOr<std::unique_ptr<TrainingStep>> Create(const graph::Graph& graph,
                                                              ParamStore* params, int64_t batch);

  // Forward (recorded on the tape), backward and update with learning rate `rate`, on the
  // inputs already written into executor().value(...). A non-finite loss returns
  // FailedPrecondition before any parameter changes.
  absl::Status Run(double rate);
  absl::Status Forward();
  void Backward();
  void Update(double rate);

  Executor& executor() { return *executor_; }
  Sgd& optimizer() { return *optimizer_; }
  // The minibatch loss of the last forward.
  float loss() const;

 private:
  TrainingStep(const graph::Graph& graph) : graph_(graph) {}
  const graph::Graph& graph_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Sgd> optimizer_;
  Tape tape_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_TRAINING_STEP_H_
