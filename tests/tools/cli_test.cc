// The graphrun binary end to end: exit codes and messages of its commands.
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/npz.h"
#include "tests/cifar_fixture.h"
#include "tests/cli_util.h"

namespace graphrun::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliTest, SummaryOfArch5) {
  CliResult r = RunGraphrun("summary models/arch5.pbtxt");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("773,270"));
}

TEST(CliTest, HelpDescribesEveryCommand) {
  CliResult r = RunGraphrun("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command : {"summary", "gradcheck", "dump", "ops"}) {
    EXPECT_THAT(r.output, HasSubstr(std::string("  ") + command)) << command;
  }
  CliResult one = RunGraphrun("help gradcheck");
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_THAT(one.output, HasSubstr("--fd_elements"));
  EXPECT_THAT(one.output, HasSubstr("(a) max rel <= 1e-4, (b) max rel <= 1e-6"));
}

TEST(CliTest, UsageErrorsExitTwo) {
  CliResult unknown = RunGraphrun("trian models/arch5.pbtxt");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command 'trian'"));
  CliResult flag = RunGraphrun("summary models/arch5.pbtxt --sede=3");
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.output, HasSubstr("unknown flag --sede; did you mean 'seed'?"));
  CliResult value = RunGraphrun("gradcheck models/arch2.pbtxt --samples=many");
  EXPECT_EQ(value.exit_code, 2);
  EXPECT_THAT(value.output, HasSubstr("--samples=many"));
  CliResult missing = RunGraphrun("dump models/arch2.pbtxt");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("--out FILE.npz is required"));
  CliResult args = RunGraphrun("summary");
  EXPECT_EQ(args.exit_code, 2);
}

TEST(CliTest, BadModelExitsOneWithItsLine) {
  const std::string path = TempDir("cli_bad") + "/bad.pbtxt";
  std::ofstream(path) << "loss: \"x\"\nnode { name: \"x\" op: \"softmax_xnet\" }\n";
  CliResult r = RunGraphrun("summary " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("bad.pbtxt:2: node 'x': unknown op 'softmax_xnet'; did you mean 'softmax_xent'?"));
  CliResult set = RunGraphrun("summary models/arch5.pbtxt --set schedule.cycels=1");
  EXPECT_EQ(set.exit_code, 1);
  EXPECT_THAT(set.output, HasSubstr("did you mean 'cycles'?"));
}

TEST(CliTest, GradcheckArch2Passes) {
  CliResult r = RunGraphrun("gradcheck models/arch2.pbtxt --samples 10 --fd_elements 3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("grad/W1"));
  EXPECT_THAT(r.output, HasSubstr("PASS"));
}

TEST(CliTest, GradcheckAgainstTheStudysDebugFile) {
  const std::string path = GRAPHRUN_SOURCE_DIR "/../shared/data/debug_conv_fixture.npz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not here";
  CliResult r = RunGraphrun("gradcheck --reference " + path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* row : {"conv_outputs ", "conv_outputs_mat", "conv_flat", "X1", "P ", "grad_Fs_flat",
                          "grad_W1", "grad_b1", "grad_W2", "grad_b2"}) {
    EXPECT_THAT(r.output, HasSubstr(row));
  }
}

TEST(CliTest, DumpWritesTheDocumentedArrays) {
  const std::string data = WriteCifarDir("cli_dump", 30, 10);
  const std::string out = data + "/dump.npz";
  CliResult r = RunGraphrun("dump models/arch2.pbtxt --samples 4 --set data.validation_size=10 --data_dir " + data + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  absl::StatusOr<runtime::NpzArrays> arrays = runtime::ReadNpz(out);
  ASSERT_TRUE(arrays.ok()) << arrays.status();
  for (const char* key : {"images", "labels", "patches", "conv_flat", "logits", "xent:probs",
                          "param/W1", "grad/W1", "grad/b0", "loss", "cost"}) {
    EXPECT_EQ(arrays->count(key), 1u) << key;
  }
  EXPECT_EQ((*arrays)["conv_flat"].shape, (std::vector<int64_t>{4, 640}));
  // The dumped parameters can be read back with --params.
  CliResult again = RunGraphrun("dump models/arch2.pbtxt --samples 4 --set data.validation_size=10 --data_dir " + data +
                                " --params " + out + " --out " + data + "/again.npz");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  absl::StatusOr<runtime::NpzArrays> second = runtime::ReadNpz(data + "/again.npz");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)["grad/W1"].values, (*arrays)["grad/W1"].values);
}

TEST(CliTest, MissingDataSaysHowToGetIt) {
  CliResult r = RunGraphrun("dump models/arch2.pbtxt --out /tmp/x.npz --data_dir /nonexistent/dir");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--data_dir /nonexistent/dir: no CIFAR-10 binary batches there"));
}

}  // namespace
}  // namespace graphrun::testing
