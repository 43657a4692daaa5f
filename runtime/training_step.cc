#include "runtime/training_step.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "graph/status.h"

namespace graphrun::runtime {

absl::StatusOr<std::unique_ptr<TrainingStep>> TrainingStep::Create(const graph::Graph& graph,
                                                                   ParamStore* params, int64_t batch) {
  std::unique_ptr<TrainingStep> step(new TrainingStep(graph));
  // The L2 penalty's gradient is applied by the optimiser as weight decay, so the step
  // differentiates the loss alone and never evaluates the penalty.
  ExecutorOptions options;
  options.batch = batch;
  options.backward = true;
  options.objective = {graph.loss()};
  ASSIGN_OR_RETURN(step->executor_, Executor::Create(graph, params, options));
  const double lambda = graph.l2_penalty() >= 0 ? graph.training().l2().lambda() : 0.0;
  ASSIGN_OR_RETURN(step->optimizer_, Sgd::Create(params, graph.training().optimizer().sgd(), lambda));
  return step;
}

absl::Status TrainingStep::Forward() { return executor_->Forward(&tape_); }
void TrainingStep::Backward() { executor_->Backward(tape_); }
void TrainingStep::Update(double rate) { optimizer_->Update(rate); }

float TrainingStep::loss() const { return executor_->value(graph_.loss()).f32()[0]; }

absl::Status TrainingStep::Run(double rate) {
  RETURN_IF_ERROR(Forward());
  if (!std::isfinite(loss())) {
    return absl::FailedPreconditionError(absl::StrFormat("the loss is %f", loss()));
  }
  Backward();
  Update(rate);
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
