// No run loses its work: a diverging run stops with the step and the learning rate and
// keeps its last good checkpoint; SIGINT and SIGTERM save a checkpoint and exit 130 and
// 143; a run killed with SIGKILL at random moments always leaves a loadable checkpoint,
// and resuming it gives bit for bit the run that was never interrupted.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/graph.h"
#include "graph/model_file.h"
#include "proto/checkpoint.pb.h"
#include "runtime/checkpoint.h"
#include "runtime/params.h"
#include "tests/robustness/robustness_util.h"

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TrainingRobustnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string((fs::temp_directory_path() / absl::StrCat("graphrun_training_", ::getpid())).string());
    fs::remove_all(*root_);
    fs::create_directories(*root_);
    WriteCifarData(*root_ + "/data", 40, 20);
    fs::copy(GRAPHRUN_SOURCE_DIR "/tests/robustness/models/small.pbtxt", *root_ + "/small.pbtxt");
  }
  static void TearDownTestSuite() {
    if (!::testing::UnitTest::GetInstance()->Failed()) fs::remove_all(*root_);
    delete root_;
  }
  static std::string Path(const std::string& relative) { return *root_ + "/" + relative; }
  // `graphrun train small.pbtxt` into `run` with extra flags.
  static std::string Train(const std::string& run, const std::string& extra = "") {
    return absl::StrCat("train small.pbtxt --data_dir data --out_dir ", run, " ", extra);
  }
  static std::string Resume(const std::string& run, const std::string& extra = "") {
    return absl::StrCat("train --resume ", run, " --data_dir data ", extra);
  }

  // The run's checkpoint, read and verified, restored into the run's own model.
  static absl::StatusOr<proto::Checkpoint> LoadCheckpoint(const std::string& run) {
    const std::string path = Path(run + "/checkpoint.bin");
    absl::StatusOr<proto::Checkpoint> checkpoint = runtime::ReadCheckpoint(path);
    if (!checkpoint.ok()) return checkpoint.status();
    absl::StatusOr<graph::ModelFile> file = graph::LoadModelFile(Path(run + "/model.pbtxt"));
    if (!file.ok()) return file.status();
    absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
    if (!g.ok()) return g.status();
    runtime::ParamStore params(*g);
    if (absl::Status s = runtime::RestoreParams(*checkpoint, path, &params); !s.ok()) return s;
    return checkpoint;
  }

  static std::vector<std::string> Leftovers(const std::string& run) {
    std::vector<std::string> tmp;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(Path(run), ec)) {
      if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
        tmp.push_back(entry.path().filename().string());
      }
    }
    return tmp;
  }

  static std::string* root_;
};
std::string* TrainingRobustnessTest::root_ = nullptr;

bool AllFinite(const proto::Checkpoint& checkpoint) {
  for (const proto::TensorData& d : checkpoint.params()) {
    const float* values = reinterpret_cast<const float*>(d.data().data());
    for (size_t i = 0; i < d.data().size() / sizeof(float); ++i) {
      if (!std::isfinite(values[i])) return false;
    }
  }
  return true;
}

// metrics.csv without its last column (train_seconds, a measurement).
std::string MetricsWithoutTimes(const std::string& path) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(ReadAll(path), '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, line.substr(0, line.rfind(',')), "\n");
  }
  return out;
}

TEST_F(TrainingRobustnessTest, DivergenceNamesTheStepAndRateAndKeepsTheLastGoodCheckpoint) {
  // The rate climbs from 1e-5 to 1e6 over 10 updates; a checkpoint after every update.
  const Outcome o = RunIn(*root_, Train("diverge", "--set schedule.eta_max=1e6 --set log_every=1"));
  ASSERT_EQ(o.exit_code, 1) << o.out << o.err;
  EXPECT_FALSE(LooksLikeACrash(o.err)) << o.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.err, m, std::regex(R"(training diverged at step (\d+) \(learning rate ([0-9.e+-]+)\))")))
      << o.err;
  const int64_t step = std::stoll(m[1]);
  EXPECT_GT(std::stod(m[2]), 1.0) << o.err;
  EXPECT_GE(step, 1) << "the first updates are at a tiny rate: " << o.err;
  // The checkpoint holds the state before the divergence, finite and loadable.
  absl::StatusOr<proto::Checkpoint> checkpoint = LoadCheckpoint("diverge");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_LE(checkpoint->step(), step);
  EXPECT_GE(checkpoint->step(), 1);
  EXPECT_TRUE(AllFinite(*checkpoint));
  EXPECT_THAT(Leftovers("diverge"), ::testing::IsEmpty());
  // ... and it is a state worth keeping: its loss is finite, and so is every logged row.
  const Outcome eval = RunIn(*root_, "eval --checkpoint diverge --data_dir data");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  ASSERT_TRUE(std::regex_search(eval.out, m, std::regex(R"(, loss ([^,]+), cost)"))) << eval.out;
  EXPECT_TRUE(std::isfinite(std::stod(m[1]))) << eval.out;
  EXPECT_THAT(ReadAll(Path("diverge/metrics.csv")), ::testing::Not(HasSubstr("nan")));
}

TEST_F(TrainingRobustnessTest, NonFiniteParametersAreNeverSaved) {
  const std::string path = Path("nonfinite.bin");
  proto::Checkpoint good;
  good.set_step(3);
  proto::TensorData* w = good.add_params();
  w->set_name("W");
  const float values[2] = {1.f, 2.f};
  w->set_data(std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  ASSERT_TRUE(runtime::WriteCheckpoint(path, good).ok());
  const std::string before = ReadAll(path);

  proto::Checkpoint bad = good;
  bad.set_step(4);
  const float diverged[2] = {1.f, NAN};
  bad.mutable_params(0)->set_data(std::string(reinterpret_cast<const char*>(diverged), sizeof(diverged)));
  const absl::Status s = runtime::WriteCheckpoint(path, bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("training diverged at step 3"));
  EXPECT_THAT(s.message(), HasSubstr("'W' holds nan (element 1)"));
  EXPECT_EQ(ReadAll(path), before) << "the good checkpoint was replaced";
}

// Starts a long run, waits for its first checkpoint, sends `signal`, and checks the exit
// code, the message and the saved state; then resumes it for a few more updates.
void InterruptAndResume(const std::string& root, const std::string& run, int signal, int expected_exit) {
  Process p(root, absl::StrCat("train small.pbtxt --data_dir data --out_dir ", run,
                               " --set schedule.n_s=100000 --set log_every=20"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(root + "/" + run + "/checkpoint.bin") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(root + "/" + run + "/checkpoint.bin")) << "no checkpoint after 120 s";
  p.Signal(signal);
  const Outcome o = p.Wait(/*timeout_seconds=*/120);
  ASSERT_EQ(o.exit_code, expected_exit) << o.out << o.err;
  EXPECT_THAT(o.err, HasSubstr(absl::StrCat("interrupted by signal ", signal)));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.out, m, std::regex(R"(stopped at step (\d+) of)"))) << o.out;
  const int64_t stopped = std::stoll(m[1]);
  absl::StatusOr<proto::Checkpoint> checkpoint = runtime::ReadCheckpoint(root + "/" + run + "/checkpoint.bin");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->step(), stopped) << "the checkpoint is not the state at the stop";

  const Outcome resumed = RunIn(root, absl::StrCat("train --resume ", run, " --data_dir data --max_steps ", stopped + 5));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr(absl::StrCat("resuming ", run, " at step ", stopped)));
  EXPECT_THAT(resumed.out, HasSubstr(absl::StrCat("stopped at step ", stopped + 5)));
}

TEST_F(TrainingRobustnessTest, SigintSavesACheckpointAndExits130) {
  InterruptAndResume(*root_, "sigint", SIGINT, 130);
}

TEST_F(TrainingRobustnessTest, SigtermSavesACheckpointAndExits143) {
  InterruptAndResume(*root_, "sigterm", SIGTERM, 143);
}

TEST_F(TrainingRobustnessTest, KilledAtRandomMomentsItResumesToTheSameRun) {
  // 120 updates with a checkpoint after each, so that kills often land in a write.
  const std::string flags = "--set schedule.n_s=60 --set log_every=1";
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome straight = RunIn(*root_, Train("straight", flags));
  ASSERT_EQ(straight.exit_code, 0) << straight.out << straight.err;
  const int run_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - t0).count());

  const char* env_seed = std::getenv("GRAPHRUN_KILL_SEED");
  const uint64_t seed = env_seed != nullptr ? std::strtoull(env_seed, nullptr, 10)
                                            : static_cast<uint64_t>(std::random_device()());
  SCOPED_TRACE(absl::StrCat("GRAPHRUN_KILL_SEED=", seed));
  std::mt19937_64 rng(seed);
  // Kill moments anywhere in the first third of a whole run's duration (start-up and data
  // loading included), so that several kills land before the run ends.
  std::uniform_int_distribution<int> delay_ms(0, run_ms / 3);
  int kills = 0, loadable = 0;
  for (int attempt = 0; attempt < 12; ++attempt) {
    const bool started = fs::exists(Path("killed/checkpoint.bin"));
    Process p(*root_, started ? Resume("killed") : Train("killed", flags));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    p.Signal(SIGKILL);
    const Outcome o = p.Wait();
    if (o.signal == SIGKILL) ++kills;
    ASSERT_TRUE(o.signal == SIGKILL || o.exit_code == 0) << o.out << o.err;
    if (fs::exists(Path("killed/checkpoint.bin"))) {
      // The property: whenever the process dies, the latest checkpoint loads.
      absl::StatusOr<proto::Checkpoint> checkpoint = LoadCheckpoint("killed");
      ASSERT_TRUE(checkpoint.ok()) << "after kill " << attempt << ": " << checkpoint.status();
      ++loadable;
    }
    if (o.exit_code == 0) break;  // it finished before the kill
  }
  EXPECT_GE(kills, 3);
  // Finish the run and compare it with the one never interrupted.
  const bool started = fs::exists(Path("killed/checkpoint.bin"));
  const Outcome rest = RunIn(*root_, started ? Resume("killed") : Train("killed", flags));
  ASSERT_EQ(rest.exit_code, 0) << rest.out << rest.err;
  absl::StatusOr<proto::Checkpoint> a = LoadCheckpoint("straight");
  absl::StatusOr<proto::Checkpoint> b = LoadCheckpoint("killed");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->step(), 120);
  EXPECT_EQ(b->step(), 120);
  ASSERT_EQ(a->params_size(), b->params_size());
  for (int i = 0; i < a->params_size(); ++i) {
    EXPECT_EQ(a->params(i).data(), b->params(i).data()) << a->params(i).name();  // bit for bit
  }
  EXPECT_EQ(MetricsWithoutTimes(Path("killed/metrics.csv")), MetricsWithoutTimes(Path("straight/metrics.csv")));
  EXPECT_THAT(Leftovers("killed"), ::testing::IsEmpty());
  std::printf("%d kills within %d ms (%d with a checkpoint to check), seed %llu\n", kills, run_ms,
              loadable, static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace graphrun::testing
