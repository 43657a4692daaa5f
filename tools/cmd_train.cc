// `graphrun train MODEL` and `graphrun eval MODEL --checkpoint RUN_DIR`.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "graph/status.h"
#include "graph/text.h"
#include "runtime/checkpoint.h"
#include "runtime/evaluator.h"
#include "runtime/trainer.h"
#include "tools/commands.h"
#include "tools/data_loading.h"
#include "tools/flags.h"
#include "tools/model_loading.h"

namespace graphrun::tools {

namespace {

namespace fs = std::filesystem;

std::atomic<int> stop_signal{0};

void OnSignal(int signal) { stop_signal.store(signal); }

// Ctrl-C and SIGTERM ask the trainer to stop after the current step and save.
void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

absl::StatusOr<runtime::TrainOutcome> TrainModel(const std::string& model_path,
                                                 const std::string& run_dir, bool resume) {
  ASSIGN_OR_RETURN(graph::Graph g, LoadGraph(model_path));
  const double t0 = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  ASSIGN_OR_RETURN(runtime::Cifar10 data, LoadData(g));
  runtime::TrainOptions options;
  options.out_dir = run_dir;
  if (options.out_dir.empty()) {
    ASSIGN_OR_RETURN(options.out_dir, runtime::CreateRunDir(g.name()));
  }
  options.resume = resume;
  options.max_steps = absl::GetFlag(FLAGS_max_steps);
  options.live_progress = ::isatty(::fileno(stderr)) != 0;
  options.stop_signal = &stop_signal;
  options.model_path = model_path;
  const runtime::Schedule schedule(g.training());
  std::printf("training %s (%s): %lld updates of batch %d; data %s: %lld train / %lld validation / "
              "%lld test images (loaded in %.1f s); run directory %s\n",
              g.name().c_str(), model_path.c_str(), static_cast<long long>(schedule.total_steps()),
              g.training().batch_size(), data.dir.c_str(), static_cast<long long>(data.train.count()),
              static_cast<long long>(data.validation.count()), static_cast<long long>(data.test.count()),
              absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) - t0, options.out_dir.c_str());
  std::fflush(stdout);
  InstallSignalHandlers();
  ASSIGN_OR_RETURN(std::unique_ptr<runtime::Trainer> trainer, runtime::Trainer::Create(g, &data, options));
  return trainer->Run();
}

int RunTrain(const Args& args) {
  const std::string resume = absl::GetFlag(FLAGS_resume);
  if (!resume.empty()) {
    if (!absl::GetFlag(FLAGS_set).empty() || absl::GetFlag(FLAGS_seed) >= 0) {
      return UsageError("train", "--resume continues a run as it was: --set and --seed do not apply");
    }
    if (!absl::GetFlag(FLAGS_out_dir).empty()) {
      return UsageError("train", "--resume RUN_DIR is the run directory; drop --out_dir");
    }
  } else if (args.empty()) {
    return UsageError("train", "expected MODEL (or --resume RUN_DIR)");
  }
  const std::string model = resume.empty() ? args[0] : (fs::path(resume) / runtime::kModelFile).string();
  if (!resume.empty() && !args.empty() && args[0] != model) {
    // A model given with --resume must be the run's own graph (checked by fingerprint).
    absl::StatusOr<graph::Graph> given = LoadGraph(args[0]);
    absl::StatusOr<graph::Graph> run = LoadGraph(model);
    if (!given.ok()) return Fail(given.status());
    if (!run.ok()) return Fail(run.status());
    if (runtime::ModelFingerprint(*given) != runtime::ModelFingerprint(*run)) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(args[0], ": is not the model of the run in ", resume)));
    }
  }
  absl::StatusOr<runtime::TrainOutcome> outcome =
      TrainModel(model, resume.empty() ? absl::GetFlag(FLAGS_out_dir) : resume, !resume.empty());
  if (!outcome.ok()) return Fail(outcome.status());
  if (outcome->signal != 0) {
    std::fprintf(stderr, "interrupted by signal %d after step %lld; continue with --resume\n",
                 outcome->signal, static_cast<long long>(outcome->steps));
    return 128 + outcome->signal;
  }
  return kExitOk;
}

namespace {

absl::Status Evaluate(const std::string& model_arg) {
  std::string checkpoint = absl::GetFlag(FLAGS_checkpoint);
  if (fs::is_directory(checkpoint)) checkpoint = (fs::path(checkpoint) / runtime::kCheckpointFile).string();
  const std::string model = !model_arg.empty() ? model_arg
                                               : (fs::path(checkpoint).parent_path() / runtime::kModelFile).string();
  ASSIGN_OR_RETURN(graph::Graph g, LoadGraph(model));
  ASSIGN_OR_RETURN(proto::Checkpoint ckpt, runtime::ReadCheckpoint(checkpoint));
  runtime::ParamStore params(g);
  RETURN_IF_ERROR(runtime::RestoreParams(ckpt, checkpoint, &params));
  ASSIGN_OR_RETURN(runtime::Cifar10 data, LoadData(g));
  ASSIGN_OR_RETURN(std::unique_ptr<runtime::Evaluator> evaluator, runtime::Evaluator::Create(g, &params, &data));
  ASSIGN_OR_RETURN(runtime::EvalResult r, evaluator->Evaluate(data.test));
  std::printf("%s at step %lld (%s): test accuracy %.2f%% (%lld images), loss %.4f, cost %.4f\n\n",
              g.name().c_str(), static_cast<long long>(ckpt.step()), checkpoint.c_str(), 100 * r.accuracy,
              static_cast<long long>(r.count), r.loss, r.cost);
  std::printf("%s %9s %7s\n", PadRight("class", 12).c_str(), "accuracy", "images");
  for (int k = 0; k < r.classes; ++k) {
    int64_t total = 0;
    for (int p = 0; p < r.classes; ++p) total += r.confusion[k * r.classes + p];
    const std::string name = k < static_cast<int>(data.class_names.size()) ? data.class_names[k] : absl::StrCat(k);
    std::printf("%s %8.2f%% %7lld\n", PadRight(name, 12).c_str(),
                total > 0 ? 100.0 * r.confusion[k * r.classes + k] / total : 0.0, static_cast<long long>(total));
  }
  std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n%s", PadRight("", 12).c_str());
  for (int p = 0; p < r.classes; ++p) std::printf(" %6d", p);
  std::printf("\n");
  for (int k = 0; k < r.classes; ++k) {
    const std::string name = k < static_cast<int>(data.class_names.size()) ? data.class_names[k] : absl::StrCat(k);
    std::printf("%s", PadRight(absl::StrCat(k, " ", name), 12).c_str());
    for (int p = 0; p < r.classes; ++p) std::printf(" %6lld", static_cast<long long>(r.confusion[k * r.classes + p]));
    std::printf("\n");
  }
  return absl::OkStatus();
}

}  // namespace

int RunEval(const Args& args) {
  if (absl::GetFlag(FLAGS_checkpoint).empty()) return UsageError("eval", "--checkpoint RUN_DIR is required");
  absl::Status s = Evaluate(args.empty() ? "" : args[0]);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace graphrun::tools
