// Evaluation of a model on a whole split: mean loss, cost (loss + L2 penalty), accuracy
// and the confusion matrix, in batches of training.eval_batch_size.
#ifndef GRAPHRUN_RUNTIME_EVALUATOR_H_
#define GRAPHRUN_RUNTIME_EVALUATOR_H_

#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/cifar10.h"
#include "runtime/executor.h"
#include "runtime/params.h"

namespace graphrun::runtime {

struct EvalResult {
  int64_t count = 0;
  double loss = 0;      // mean over the images
  double cost = 0;      // loss + L2 penalty
  double accuracy = 0;  // fraction correct
  int classes = 0;
  std::vector<int64_t> confusion;  // classes × classes: [true label][prediction]
};

class Evaluator {
 public:
  static absl::StatusOr<std::unique_ptr<Evaluator>> Create(const graph::Graph& graph,
                                                           ParamStore* params, const Cifar10* data);
  absl::StatusOr<EvalResult> Evaluate(const ImageSet& set);

 private:
  Evaluator(const graph::Graph& graph, ParamStore* params, const Cifar10* data)
      : graph_(graph), params_(params), data_(data) {}
  absl::StatusOr<Executor*> ExecutorFor(int64_t batch);
  // The L2 penalty (it depends on the parameters only: computed once per evaluation).
  absl::StatusOr<double> Penalty();

  const graph::Graph& graph_;
  ParamStore* params_;
  const Cifar10* data_;
  std::map<int64_t, std::unique_ptr<Executor>> executors_;  // by batch size
  std::unique_ptr<Executor> penalty_;
  std::vector<int64_t> indices_;
};

// Writes images `indices` of `set`, normalised, and their labels into the executor's
// IMAGE and LABEL inputs.
void FeedBatch(const Cifar10& data, const ImageSet& set, const int64_t* indices, int64_t n,
               const graph::Graph& graph, Executor* executor);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_EVALUATOR_H_
