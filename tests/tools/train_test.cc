// graphrun train and eval end to end on small generated CIFAR-format data.
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/checkpoint.pb.h"
#include "runtime/checkpoint.h"
#include "tests/cifar_fixture.h"
#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace graphrun::testing {
namespace {

using ::testing::HasSubstr;

// A small patchify network (f = 8) trained on 1 000 generated images.
std::string SmallModel(const std::string& dir) {
  const std::string path = dir + "/small.pbtxt";
  std::ofstream(path) << SmallNetText("small", 8, 0.1, R"(  batch_size: 50
  schedule { n_s: 30 cycles: 2 growth: 2 eta_max: 0.1 }
  l2 { lambda: 0.001 params: ["F", "W1", "W2"] }
  data { validation_size: 100 }
  eval_batch_size: 64
  seed: 3
)");
  return path;
}

class TrainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new std::string(WriteCifarDir("train_data", 200, 300));
    model_ = new std::string(SmallModel(*data_));
  }
  std::string Train(const std::string& run, const std::string& extra = "") {
    return "train " + *model_ + " --data_dir " + *data_ + " --out_dir " + *data_ + "/" + run + " " + extra;
  }
  static std::string* data_;
  static std::string* model_;
};
std::string* TrainTest::data_ = nullptr;
std::string* TrainTest::model_ = nullptr;

TEST_F(TrainTest, LearnsTheGeneratedClassesAndWritesItsRun) {
  CliResult r = RunGraphrun(Train("full"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 2·30 + 2·60 = 180 updates, logged at step 0 and every n_s/2 of the current cycle.
  EXPECT_THAT(r.output, HasSubstr("180 updates of batch 50"));
  EXPECT_THAT(r.output, HasSubstr("step     15/180"));
  EXPECT_THAT(r.output, HasSubstr("step     90/180"));
  const std::string run = *data_ + "/full";
  for (const char* f : {"metrics.csv", "summary.json", "checkpoint.bin", "model.pbtxt"}) {
    EXPECT_TRUE(std::filesystem::exists(run + "/" + f)) << f;
  }
  std::ifstream summary(run + "/summary.json");
  const std::string json((std::istreambuf_iterator<char>(summary)), {});
  EXPECT_THAT(json, HasSubstr("\"steps\": 180"));
  const size_t at = json.find("\"test_accuracy\": ");
  ASSERT_NE(at, std::string::npos);
  const double accuracy = std::stod(json.substr(at + 17));
  // The generated classes are separable: the stated accuracy is 90 %.
  EXPECT_GE(accuracy, 0.90) << json;
  std::ifstream metrics(run + "/metrics.csv");
  int rows = 0;
  for (std::string line; std::getline(metrics, line);) ++rows;
  EXPECT_EQ(rows, 1 + 1 + 8);  // header, step 0, four log points per cycle

  CliResult eval = RunGraphrun("eval --checkpoint " + run + " --data_dir " + *data_);
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_THAT(eval.output, HasSubstr("test accuracy"));
  EXPECT_THAT(eval.output, HasSubstr("confusion matrix"));
  EXPECT_THAT(eval.output, HasSubstr("truck"));
}

TEST_F(TrainTest, ResumingGivesTheSameParametersAsOneStraightRun) {
  CliResult straight = RunGraphrun(Train("straight", "--max_steps 100"));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  CliResult half = RunGraphrun(Train("halves", "--max_steps 47"));  // mid-epoch, mid-cycle
  ASSERT_EQ(half.exit_code, 0) << half.output;
  EXPECT_THAT(half.output, HasSubstr("stopped at step 47 of 180"));
  CliResult rest = RunGraphrun("train --resume " + *data_ + "/halves --data_dir " + *data_ + " --max_steps 100");
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_THAT(rest.output, HasSubstr("resuming"));
  absl::StatusOr<proto::Checkpoint> a = runtime::ReadCheckpoint(*data_ + "/straight/checkpoint.bin");
  absl::StatusOr<proto::Checkpoint> b = runtime::ReadCheckpoint(*data_ + "/halves/checkpoint.bin");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->step(), 100);
  EXPECT_EQ(b->step(), 100);
  ASSERT_EQ(a->params_size(), b->params_size());
  for (int i = 0; i < a->params_size(); ++i) {
    EXPECT_EQ(a->params(i).data(), b->params(i).data()) << a->params(i).name();  // bit for bit
  }
}

TEST_F(TrainTest, SetOverridesAndTheirErrors) {
  CliResult r = RunGraphrun(Train("set", "--set schedule.cycles=1 --set schedule.n_s=10 --seed 5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("20 updates"));
  CliResult unknown = RunGraphrun(Train("set_bad", "--set schedule.cycle=1"));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("--set schedule.cycle: training.schedule has no field 'cycle'; did you mean 'cycles'?"));
  CliResult value = RunGraphrun(Train("set_bad", "--set batch_size=big"));
  EXPECT_EQ(value.exit_code, 1);
  EXPECT_THAT(value.output, HasSubstr("'big' is not a 32-bit integer"));
  CliResult range = RunGraphrun(Train("set_bad", "--set schedule.n_s=0"));
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_THAT(range.output, HasSubstr("training.schedule.n_s is 0, must be >= 1"));
  CliResult resume = RunGraphrun("train --resume " + *data_ + "/set --set seed=2");
  EXPECT_EQ(resume.exit_code, 2);
}

TEST_F(TrainTest, ExistingRunIsNotOverwritten) {
  ASSERT_EQ(RunGraphrun(Train("twice", "--max_steps 5")).exit_code, 0);
  CliResult again = RunGraphrun(Train("twice", "--max_steps 5"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("already holds a run; continue it with --resume"));
}

}  // namespace
}  // namespace graphrun::testing
