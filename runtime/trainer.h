// The trainer: mini-batch SGD over CIFAR-10 as the model's training section says, with
// evaluation and logging at the schedule's log points, metrics.csv, checkpoints,
// summary.json, resuming, and a clean stop on a signal.
#ifndef GRAPHRUN_RUNTIME_TRAINER_H_
#define GRAPHRUN_RUNTIME_TRAINER_H_

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/cifar10.h"
#include "runtime/evaluator.h"
#include "runtime/executor.h"
#include "runtime/optimizer.h"
#include "runtime/params.h"
#include "runtime/schedule.h"
#include "runtime/training_step.h"

namespace graphrun::runtime {

// Files of a run directory.
inline constexpr char kMetricsFile[] = "metrics.csv";
inline constexpr char kSummaryFile[] = "summary.json";
inline constexpr char kModelFile[] = "model.pbtxt";

struct TrainOptions {
  std::string out_dir;               // the run directory (created when new)
  bool resume = false;               // continue the run in out_dir from its checkpoint
  int64_t max_steps = 0;             // stop (with a checkpoint) after this many updates; 0: never
  bool live_progress = false;        // a progress line on stderr (a terminal)
  const std::atomic<int>* stop_signal = nullptr;  // non-zero: save and stop
  std::string model_path;            // for summary.json
  std::FILE* log = stdout;           // log lines
};

struct TrainOutcome {
  int64_t steps = 0;
  int64_t total_steps = 0;
  bool finished = false;  // reached the end of the schedule (test set evaluated)
  int signal = 0;         // the signal that stopped it, 0 if none
  EvalResult test, validation;
  double train_seconds = 0;  // updates only
  double total_seconds = 0;  // the whole run: loading, evaluations, checkpoints
};

class Trainer {
 public:
  static absl::StatusOr<std::unique_ptr<Trainer>> Create(const graph::Graph& graph,
                                                         const Cifar10* data,
                                                         const TrainOptions& options);
  // Trains until the schedule ends, max_steps, or a signal; errors (a diverging loss,
  // an unwritable directory) leave the last checkpoint intact.
  absl::StatusOr<TrainOutcome> Run();

  const ParamStore& params() const { return *params_; }

 private:
  Trainer(const graph::Graph& graph, const Cifar10* data, const TrainOptions& options)
      : graph_(graph), data_(data), options_(options), schedule_(graph.training()) {}
  absl::Status Start();
  absl::Status Resume();
  absl::Status TrainStep();
  absl::Status LogPoint();
  absl::Status SaveCheckpoint();
  absl::Status WriteSummary(const TrainOutcome& outcome);
  void Progress(bool force);
  double Elapsed() const;

  const graph::Graph& graph_;
  const Cifar10* data_;
  TrainOptions options_;
  Schedule schedule_;
  std::unique_ptr<ParamStore> params_;
  std::unique_ptr<TrainingStep> train_;
  std::unique_ptr<Evaluator> evaluator_;

  int64_t step_ = 0, epoch_ = 0, position_ = 0, steps_per_epoch_ = 0;
  std::mt19937_64 shuffle_rng_;
  std::string epoch_rng_state_;
  std::vector<int64_t> order_;
  bool need_order_ = true;
  float last_loss_ = 0;
  double train_seconds_ = 0, previous_total_seconds_ = 0;
  double start_ = 0, last_progress_ = 0;
  int64_t progress_step_ = 0;
  double progress_time_ = 0, steps_per_second_ = 0;
};

// "runs/<model>-<YYYYmmdd-HHMMSS>".
std::string DefaultRunDir(const std::string& model_name);
// Creates and returns a new run directory DefaultRunDir(model_name), with -2, -3, … when
// that exists already (two runs started in one second never share one).
absl::StatusOr<std::string> CreateRunDir(const std::string& model_name);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_TRAINER_H_
