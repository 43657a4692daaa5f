#include "runtime/evaluator.h"

#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace graphrun::runtime {

void FeedBatch(const Cifar10& data, const ImageSet& set, const int64_t* indices, int64_t n,
               const graph::Graph& graph, Executor* executor) {
  const int image = graph.FedInput(proto::IMAGE), label = graph.FedInput(proto::LABEL);
  data.Normalise(set, indices, n, executor->value(image).f32(),
                 label >= 0 ? executor->value(label).i32() : nullptr);
}

absl::StatusOr<std::unique_ptr<Evaluator>> Evaluator::Create(const graph::Graph& graph,
                                                             ParamStore* params,
                                                             const Cifar10* data) {
  if (graph.predictions() < 0 || graph.FedInput(proto::IMAGE) < 0 || graph.FedInput(proto::LABEL) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        graph.source().path(), ": evaluating needs `logits`, an input with `feed: IMAGE` and one "
                               "with `feed: LABEL`"));
  }
  std::unique_ptr<Evaluator> e(new Evaluator(graph, params, data));
  RETURN_IF_ERROR(e->ExecutorFor(graph.training().eval_batch_size()).status());
  return e;
}

absl::StatusOr<Executor*> Evaluator::ExecutorFor(int64_t batch) {
  auto it = executors_.find(batch);
  if (it != executors_.end()) return it->second.get();
  ExecutorOptions options;
  options.batch = batch;
  options.targets = {graph_.loss(), graph_.predictions()};
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> ex, Executor::Create(graph_, params_, options));
  Executor* raw = ex.get();
  executors_[batch] = std::move(ex);
  return raw;
}

absl::StatusOr<double> Evaluator::Penalty() {
  if (graph_.l2_penalty() < 0) return 0.0;
  if (penalty_ == nullptr) {
    ExecutorOptions options;
    options.batch = 1;
    options.targets = {graph_.l2_penalty()};
    ASSIGN_OR_RETURN(penalty_, Executor::Create(graph_, params_, options));
  }
  RETURN_IF_ERROR(penalty_->Forward());
  return penalty_->value(graph_.l2_penalty()).f32()[0];
}

absl::StatusOr<EvalResult> Evaluator::Evaluate(const ImageSet& set) {
  EvalResult r;
  r.count = set.count();
  r.classes = static_cast<int>(graph_.value(graph_.logits()).type.shape.dim(1));
  r.confusion.assign(static_cast<size_t>(r.classes) * r.classes, 0);
  if (r.count == 0) return r;
  const int64_t batch = graph_.training().eval_batch_size();
  indices_.resize(static_cast<size_t>(std::min(batch, r.count)));
  double loss_sum = 0;
  ASSIGN_OR_RETURN(const double penalty, Penalty());
  int64_t correct = 0;
  for (int64_t begin = 0; begin < r.count; begin += batch) {
    const int64_t n = std::min(batch, r.count - begin);
    ASSIGN_OR_RETURN(Executor * ex, ExecutorFor(n));
    std::iota(indices_.begin(), indices_.begin() + n, begin);
    FeedBatch(*data_, set, indices_.data(), n, graph_, ex);
    RETURN_IF_ERROR(ex->Forward());
    loss_sum += static_cast<double>(ex->value(graph_.loss()).f32()[0]) * static_cast<double>(n);
    const int32_t* predicted = ex->value(graph_.predictions()).i32();
    for (int64_t i = 0; i < n; ++i) {
      const int32_t truth = set.labels[begin + i];
      correct += predicted[i] == truth;
      ++r.confusion[static_cast<size_t>(truth) * r.classes + predicted[i]];
    }
  }
  r.loss = loss_sum / static_cast<double>(r.count);
  r.cost = r.loss + penalty;
  r.accuracy = static_cast<double>(correct) / static_cast<double>(r.count);
  return r;
}

}  // namespace graphrun::runtime
