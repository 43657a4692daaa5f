#include "runtime/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "graph/model_file.h"
#include "graph/status.h"
#include "graph/summary.h"
#include "graph/text.h"
#include "runtime/atomic_file.h"
#include "runtime/checkpoint.h"

namespace graphrun::runtime {

namespace fs = std::filesystem;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

constexpr char kMetricsHeader[] =
    "step,epoch,learning_rate,train_loss,train_cost,train_accuracy,val_loss,val_cost,"
    "val_accuracy,train_seconds\n";

// The shuffling generator is seeded apart from the initialisation's.
uint64_t ShuffleSeed(uint64_t seed) { return seed * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL; }

std::string RngState(const std::mt19937_64& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  return s >= 3600 ? absl::StrFormat("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                   : absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

std::string DefaultRunDir(const std::string& model_name) {
  const std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&t));
  return absl::StrCat("runs/", model_name, "-", stamp);
}

absl::StatusOr<std::string> CreateRunDir(const std::string& model_name) {
  const std::string base = DefaultRunDir(model_name);
  std::error_code ec;
  fs::create_directories(fs::path(base).parent_path(), ec);
  for (int k = 1; k < 1000; ++k) {
    const std::string dir = k == 1 ? base : absl::StrCat(base, "-", k);
    if (fs::create_directory(dir, ec)) return dir;  // false when it exists: try the next
    if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  }
  return absl::AlreadyExistsError(absl::StrCat(base, ": too many runs with this name"));
}

absl::StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const graph::Graph& graph,
                                                         const Cifar10* data,
                                                         const TrainOptions& options) {
  std::unique_ptr<Trainer> t(new Trainer(graph, data, options));
  t->start_ = Now();
  const proto::Training& training = graph.training();
  if (graph.FedInput(proto::IMAGE) < 0 || graph.FedInput(proto::LABEL) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        graph.source().path(), ": training needs an input with `feed: IMAGE` and one with `feed: LABEL`"));
  }
  if (graph.value(graph.FedInput(proto::IMAGE)).type.shape.Product(1) != kCifarPixels) {
    return absl::InvalidArgumentError(absl::StrCat(
        graph.source().path(), ": the IMAGE input is ", graph.value(graph.FedInput(proto::IMAGE)).type.shape.ToString(),
        ", CIFAR-10 images are N×3×32×32"));
  }
  t->steps_per_epoch_ = data->train.count() / training.batch_size();
  if (t->steps_per_epoch_ < 1) {
    return absl::InvalidArgumentError(absl::StrCat("training.batch_size ", training.batch_size(),
                                                   " exceeds the ", data->train.count(),
                                                   " training images"));
  }
  t->params_ = std::make_unique<ParamStore>(graph);
  ASSIGN_OR_RETURN(t->train_, TrainingStep::Create(graph, t->params_.get(), training.batch_size()));
  ASSIGN_OR_RETURN(t->evaluator_, Evaluator::Create(graph, t->params_.get(), data));
  t->order_.resize(data->train.count());
  return t;
}

double Trainer::Elapsed() const { return previous_total_seconds_ + (Now() - start_); }

absl::Status Trainer::Start() {
  std::error_code ec;
  // A directory whose run has no checkpoint yet lost no work: starting again there is fine
  // (a run killed before its first log point is restarted this way).
  if (fs::exists(fs::path(options_.out_dir) / kCheckpointFile, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(options_.out_dir, " already holds a run; continue it with --resume ",
                                                 options_.out_dir, " or choose another --out_dir"));
  }
  fs::create_directories(options_.out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(options_.out_dir, ": cannot create: ", ec.message()));
  RETURN_IF_ERROR(WriteFileAtomically((fs::path(options_.out_dir) / kModelFile).string(),
                                      graph::ModelToText(graph_.model())));
  RETURN_IF_ERROR(WriteFileAtomically((fs::path(options_.out_dir) / kMetricsFile).string(), kMetricsHeader));
  params_->Initialize(graph_.training().seed());
  shuffle_rng_.seed(ShuffleSeed(graph_.training().seed()));
  return LogPoint();  // step 0
}

absl::Status Trainer::Resume() {
  const std::string path = (fs::path(options_.out_dir) / kCheckpointFile).string();
  ASSIGN_OR_RETURN(proto::Checkpoint ckpt, ReadCheckpoint(path));
  RETURN_IF_ERROR(RestoreParams(ckpt, path, params_.get()));
  const std::vector<std::pair<int, Tensor>> buffers = train_->optimizer().state();
  for (const proto::TensorData& d : ckpt.optimizer_state()) {
    bool found = false;
    for (const auto& [id, tensor] : buffers) {
      if (graph_.value(id).name != d.name()) continue;
      Tensor target = tensor;
      RETURN_IF_ERROR(FromTensorData(d, path, &target));
      found = true;
    }
    if (!found) return absl::InvalidArgumentError(absl::StrCat(path, ": unexpected optimiser state '", d.name(), "'"));
  }
  if (ckpt.optimizer_state_size() != static_cast<int>(buffers.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": holds ", ckpt.optimizer_state_size(), " optimiser buffers (momentum), the run needs ",
        buffers.size(), "; it was saved with other optimiser settings"));
  }
  step_ = ckpt.step();
  epoch_ = ckpt.epoch();
  position_ = ckpt.epoch_position();
  train_seconds_ = ckpt.train_seconds();
  previous_total_seconds_ = ckpt.total_seconds();
  if (step_ < 0 || step_ > schedule_.total_steps() || position_ < 0 || position_ >= steps_per_epoch_) {
    return absl::DataLossError(absl::StrCat(path, ": step ", step_, " / epoch position ", position_,
                                            " do not fit this run"));
  }
  epoch_rng_state_ = ckpt.epoch_rng_state();
  std::istringstream state(epoch_rng_state_);
  state >> shuffle_rng_;
  if (state.fail()) return absl::DataLossError(absl::StrCat(path, ": bad shuffling state"));
  // Keep the metrics logged up to the checkpoint; later rows (if any) are redone.
  const std::string metrics_path = (fs::path(options_.out_dir) / kMetricsFile).string();
  absl::StatusOr<std::string> metrics = ReadFile(metrics_path);
  std::string kept = kMetricsHeader;
  if (metrics.ok()) {
    for (absl::string_view line : absl::StrSplit(*metrics, '\n')) {
      int64_t row_step;
      const absl::string_view first = line.substr(0, line.find(','));
      if (absl::SimpleAtoi(first, &row_step) && row_step <= step_) absl::StrAppend(&kept, line, "\n");
    }
  }
  RETURN_IF_ERROR(WriteFileAtomically(metrics_path, kept));
  std::fprintf(options_.log, "resuming %s at step %lld of %lld\n", options_.out_dir.c_str(),
               static_cast<long long>(step_), static_cast<long long>(schedule_.total_steps()));
  return absl::OkStatus();
}

absl::Status Trainer::TrainStep() {
  const int64_t batch = graph_.training().batch_size();
  if (need_order_) {
    // A new epoch's permutation, drawn from the state saved with it (so that a resumed
    // run redraws the same one).
    if (position_ == 0) epoch_rng_state_ = RngState(shuffle_rng_);
    std::istringstream(epoch_rng_state_) >> shuffle_rng_;
    std::iota(order_.begin(), order_.end(), 0);
    std::shuffle(order_.begin(), order_.end(), shuffle_rng_);
    need_order_ = false;
  }
  const double rate = schedule_.Rate(step_);
  FeedBatch(*data_, data_->train, order_.data() + position_ * batch, batch, graph_, &train_->executor());
  RETURN_IF_ERROR(train_->Forward());
  last_loss_ = train_->loss();
  if (!std::isfinite(last_loss_)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "training diverged at step %d (learning rate %.6g): the loss is %f. The last checkpoint "
        "(%s) is intact; lower training.schedule.eta_max or raise training.l2.lambda",
        step_, rate, last_loss_, (fs::path(options_.out_dir) / kCheckpointFile).string()));
  }
  train_->Backward();
  train_->Update(rate);
  ++step_;
  if (++position_ == steps_per_epoch_) {
    position_ = 0;
    ++epoch_;
    need_order_ = true;
  }
  return absl::OkStatus();
}

absl::Status Trainer::LogPoint() {
  ASSIGN_OR_RETURN(EvalResult train, evaluator_->Evaluate(data_->train));
  ASSIGN_OR_RETURN(EvalResult val, evaluator_->Evaluate(data_->validation));
  if (!std::isfinite(train.loss) || !std::isfinite(val.loss)) {
    // The last update diverged: stop before this state is logged or saved, so that the
    // last checkpoint stays the last good one.
    const std::string checkpoint = (fs::path(options_.out_dir) / kCheckpointFile).string();
    if (step_ == 0) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the initial parameters give a training loss of %f: check the initialisers", train.loss));
    }
    return absl::FailedPreconditionError(absl::StrFormat(
        "training diverged at step %d (learning rate %.6g): the training loss after it is %f. The "
        "last checkpoint (%s) is intact; lower training.schedule.eta_max or raise training.l2.lambda",
        step_ - 1, schedule_.Rate(step_ - 1), train.loss, checkpoint));
  }
  const double epoch = static_cast<double>(step_) / static_cast<double>(steps_per_epoch_);
  const double rate = schedule_.Rate(std::min(step_, schedule_.total_steps()));
  const std::string row = absl::StrFormat("%d,%.4f,%.6g,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f\n", step_, epoch, rate,
                                          train.loss, train.cost, train.accuracy, val.loss, val.cost,
                                          val.accuracy, train_seconds_);
  const std::string metrics_path = (fs::path(options_.out_dir) / kMetricsFile).string();
  ASSIGN_OR_RETURN(std::string metrics, ReadFile(metrics_path));
  RETURN_IF_ERROR(WriteFileAtomically(metrics_path, metrics + row));
  if (options_.live_progress) std::fputs("\r\033[K", stderr);
  std::fprintf(options_.log,
               "step %6lld/%lld  epoch %5.2f  lr %.2e  train loss %.4f cost %.4f acc %5.2f%%  "
               "val loss %.4f cost %.4f acc %5.2f%%  [%.1f s]\n",
               static_cast<long long>(step_), static_cast<long long>(schedule_.total_steps()), epoch, rate,
               train.loss, train.cost, 100 * train.accuracy, val.loss, val.cost, 100 * val.accuracy,
               train_seconds_);
  std::fflush(options_.log);
  return absl::OkStatus();
}

absl::Status Trainer::SaveCheckpoint() {
  proto::Checkpoint ckpt;
  SaveParams(*params_, &ckpt);
  for (const auto& [id, tensor] : train_->optimizer().state()) {
    *ckpt.add_optimizer_state() = ToTensorData(graph_.value(id).name, tensor);
  }
  ckpt.set_step(step_);
  ckpt.set_epoch(epoch_);
  ckpt.set_epoch_position(position_);
  ckpt.set_epoch_rng_state(need_order_ && position_ == 0 ? RngState(shuffle_rng_) : epoch_rng_state_);
  ckpt.set_train_seconds(train_seconds_);
  ckpt.set_total_seconds(Elapsed());
  *ckpt.mutable_training() = graph_.training();
  return WriteCheckpoint((fs::path(options_.out_dir) / kCheckpointFile).string(), ckpt);
}

void Trainer::Progress(bool force) {
  if (!options_.live_progress) return;
  const double now = Now();
  if (!force && now - last_progress_ < 0.25) return;
  if (progress_time_ > 0 && now > progress_time_) {
    const double rate = static_cast<double>(step_ - progress_step_) / (now - progress_time_);
    steps_per_second_ = steps_per_second_ == 0 ? rate : 0.7 * steps_per_second_ + 0.3 * rate;
  }
  progress_time_ = now;
  progress_step_ = step_;
  last_progress_ = now;
  const int64_t total = schedule_.total_steps();
  const double eta = steps_per_second_ > 0 ? static_cast<double>(total - step_) / steps_per_second_ : 0;
  std::fprintf(stderr, "\r\033[K[%lld/%lld %4.1f%%] epoch %lld  loss %.4f  lr %.2e  %.0f steps/s  ETA %s",
               static_cast<long long>(step_), static_cast<long long>(total),
               100.0 * static_cast<double>(step_) / static_cast<double>(total),
               static_cast<long long>(epoch_ + 1), last_loss_, schedule_.Rate(std::min(step_, total)),
               steps_per_second_, Duration(eta).c_str());
  std::fflush(stderr);
}

absl::Status Trainer::WriteSummary(const TrainOutcome& o) {
  const std::string json = absl::StrFormat(
      "{\n  \"model\": %s,\n  \"model_file\": %s,\n  \"seed\": %d,\n  \"steps\": %d,\n"
      "  \"parameters\": %d,\n  \"test_accuracy\": %.6f,\n  \"test_loss\": %.6f,\n"
      "  \"val_accuracy\": %.6f,\n  \"val_loss\": %.6f,\n  \"train_seconds\": %.3f,\n"
      "  \"total_seconds\": %.3f\n}\n",
      JsonString(graph_.name()), JsonString(options_.model_path), graph_.training().seed(), o.steps,
      graph::Summarize(graph_).total_params, o.test.accuracy, o.test.loss, o.validation.accuracy,
      o.validation.loss, o.train_seconds, o.total_seconds);
  return WriteFileAtomically((fs::path(options_.out_dir) / kSummaryFile).string(), json);
}

absl::StatusOr<TrainOutcome> Trainer::Run() {
  RETURN_IF_ERROR(options_.resume ? Resume() : Start());
  TrainOutcome o;
  o.total_steps = schedule_.total_steps();
  const int64_t stop_at = options_.max_steps > 0 ? std::min(options_.max_steps, o.total_steps) : o.total_steps;
  while (step_ < stop_at) {
    if (options_.stop_signal != nullptr && options_.stop_signal->load() != 0) {
      o.signal = options_.stop_signal->load();
      break;
    }
    const double t0 = Now();
    absl::Status s = TrainStep();
    train_seconds_ += Now() - t0;
    if (!s.ok()) {
      if (options_.live_progress) std::fputs("\n", stderr);
      return s;
    }
    Progress(false);
    if (schedule_.IsLogPoint(step_)) {
      RETURN_IF_ERROR(LogPoint());
      RETURN_IF_ERROR(SaveCheckpoint());
    }
  }
  if (options_.live_progress) std::fputs("\r\033[K", stderr);
  o.steps = step_;
  o.train_seconds = train_seconds_;
  if (step_ < o.total_steps) {  // stopped early: keep the exact state
    RETURN_IF_ERROR(SaveCheckpoint());
    o.total_seconds = Elapsed();
    std::fprintf(options_.log, "stopped at step %lld of %lld; checkpoint saved in %s\n",
                 static_cast<long long>(step_), static_cast<long long>(o.total_steps), options_.out_dir.c_str());
    return o;
  }
  o.finished = true;
  ASSIGN_OR_RETURN(o.validation, evaluator_->Evaluate(data_->validation));
  ASSIGN_OR_RETURN(o.test, evaluator_->Evaluate(data_->test));
  o.total_seconds = Elapsed();
  RETURN_IF_ERROR(WriteSummary(o));
  std::fprintf(options_.log,
               "test accuracy %.2f%% (loss %.4f), validation accuracy %.2f%%; training %.1f s, whole run %.1f s\n",
               100 * o.test.accuracy, o.test.loss, 100 * o.validation.accuracy, o.train_seconds, o.total_seconds);
  return o;
}

}  // namespace graphrun::runtime
