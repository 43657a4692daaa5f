// Regression tests of the robustness bugs found by review and by the fuzzers (issue 7):
// each once crashed, read out of bounds, overflowed or silently lost data. The inputs
// that crashed are also in tests/fuzz/regressions/ (replayed under the sanitizers).
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/graph.h"
#include "graph/model_file.h"
#include "proto/checkpoint.pb.h"
#include "runtime/checkpoint.h"
#include "runtime/npz.h"
#include "runtime/params.h"
#include "runtime/schedule.h"
#include "tests/robustness/robustness_util.h"
#include "tests/test_util.h"

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}
std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
// End of central directory: `entries` entries, the directory at `dir_at`.
std::string Eocd(uint64_t entries, uint64_t size, uint64_t dir_at) {
  return "PK" + Bytes({5, 6}) + Le(0, 2) + Le(0, 2) + Le(entries, 2) + Le(entries, 2) + Le(size, 4) +
         Le(dir_at, 4) + Le(0, 2);
}
// A central directory entry.
std::string Central(const std::string& name, int method, uint64_t packed, uint64_t size, uint64_t local,
                    const std::string& extra) {
  return "PK" + Bytes({1, 2}) + Le(20, 2) + Le(20, 2) + Le(0, 2) + Le(method, 2) + Le(0, 2) + Le(0x21, 2) +
         Le(0, 4) + Le(packed, 4) + Le(size, 4) + Le(name.size(), 2) + Le(extra.size(), 2) + Le(0, 2) +
         Le(0, 2) + Le(0, 2) + Le(0, 4) + Le(local, 4) + name + extra;
}
std::string Zip64Extra(uint64_t value) { return Le(1, 2) + Le(8, 2) + Le(value, 8); }

// Offsets read from the file were added without overflow checks: an offset near 2^64
// wrapped around, passed the bounds check and std::string::compare threw (terminate).
TEST(NpzRegressionTest, Zip64RecordOffsetNear2To64IsAnError) {
  const std::string file = "PK" + Bytes({6, 7}) + Le(0, 4) + Le(~uint64_t{0} - 55, 8) + Le(1, 4) +
                           Eocd(0xffff, 0, 0xffffffff);
  absl::StatusOr<runtime::NpzArrays> r = runtime::ParseNpz(file, "x.npz");
  EXPECT_THAT(r.status().message(), HasSubstr("x.npz: not a valid .npz file: zip64 directory missing"));
}

TEST(NpzRegressionTest, DirectoryOffsetNear2To64IsAnError) {
  const std::string record = "PK" + Bytes({6, 6}) + Le(44, 8) + Le(45, 2) + Le(45, 2) + Le(0, 4) + Le(0, 4) +
                             Le(1, 8) + Le(1, 8) + Le(46, 8) + Le(~uint64_t{0} - 9, 8);
  const std::string file = record + "PK" + Bytes({6, 7}) + Le(0, 4) + Le(0, 8) + Le(1, 4) +
                           Eocd(0xffff, 0, 0xffffffff);
  EXPECT_THAT(runtime::ParseNpz(file, "x.npz").status().message(), HasSubstr("corrupt directory"));
}

TEST(NpzRegressionTest, LocalHeaderOffsetNear2To64IsAnError) {
  const std::string dir = Central("a", 0, 0, 0, 0xffffffff, Zip64Extra(~uint64_t{0} - 15));
  EXPECT_THAT(runtime::ParseNpz(dir + Eocd(1, dir.size(), 0), "x.npz").status().message(),
              HasSubstr("entry a has no local header"));
}

// A zip64 extra field declaring more bytes than the entry holds was read past the end
// of the file (a heap-buffer-overflow under AddressSanitizer).
TEST(NpzRegressionTest, Zip64ExtraLongerThanTheFileIsNotReadPastTheEnd) {
  const std::string dir = Central("a", 0, 0, 0xffffffff, 0, Le(1, 2) + Le(0xffff, 2));
  const std::string file = Eocd(1, dir.size(), 22) + dir;  // the directory ends the file
  EXPECT_FALSE(runtime::ParseNpz(file, "x.npz").ok());
}

// A deflated entry claiming 32 GiB was allocated before inflating (std::bad_alloc).
TEST(NpzRegressionTest, DeflateClaimingMoreThanItCanHoldIsRefusedUpFront) {
  const std::string local = "PK" + Bytes({3, 4}) + Le(20, 2) + Le(0, 2) + Le(8, 2) + Le(0, 2) + Le(0x21, 2) +
                            Le(0, 4) + Le(2, 4) + Le(0xffffffff, 4) + Le(5, 2) + Le(0, 2) + "a.npy" +
                            Bytes({3, 0});
  const std::string dir = Central("a.npy", 8, 2, 0xffffffff, 0, Zip64Extra(uint64_t{1} << 35));
  absl::StatusOr<runtime::NpzArrays> r = runtime::ParseNpz(local + dir + Eocd(1, dir.size(), local.size()), "x.npz");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("x.npz: a.npy: claims 34359738368 bytes from 2 compressed ones"));
}

TEST(NpzRegressionTest, IntegerValuesOutOfRangeAreWrittenSaturated) {
  // Encoding a double beyond the integer type's range was undefined behaviour.
  runtime::NpyArray a{{4}, "i4", {1e20, -1e20, NAN, 5}};
  runtime::NpyArray b{{2}, "u1", {300, -3}};
  absl::StatusOr<std::string> zip = runtime::SerializeNpz({{"a", a}, {"b", b}});
  ASSERT_TRUE(zip.ok());
  absl::StatusOr<runtime::NpzArrays> back = runtime::ParseNpz(*zip, "x.npz");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)["a"].values, (std::vector<double>{2147483647, -2147483648.0, 0, 5}));
  EXPECT_EQ((*back)["b"].values, (std::vector<double>{255, 0}));
}

// A checkpoint naming one parameter twice and another not at all restored silently,
// leaving the missing parameter as it was.
TEST(CheckpointRegressionTest, EveryParameterMustBeRestoredExactlyOnce) {
  absl::StatusOr<graph::Graph> g = BuildText(Join(TinyModelLines()));
  ASSERT_TRUE(g.ok()) << g.status();
  runtime::ParamStore params(*g);
  proto::Checkpoint checkpoint;
  runtime::SaveParams(params, &checkpoint);
  ASSERT_TRUE(runtime::RestoreParams(checkpoint, "c.bin", &params).ok());

  proto::Checkpoint twice = checkpoint;
  *twice.mutable_params(1) = twice.params(0);  // the first parameter twice, the second missing
  absl::Status s = runtime::RestoreParams(twice, "c.bin", &params);
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("c.bin: parameter '", checkpoint.params(0).name(),
                                                  "' is stored twice")));
  proto::Checkpoint missing = checkpoint;
  missing.mutable_params()->RemoveLast();
  s = runtime::RestoreParams(missing, "c.bin", &params);
  EXPECT_THAT(std::string(s.message()), HasSubstr(absl::StrCat("c.bin: holds no values for parameter '",
                                                  checkpoint.params(checkpoint.params_size() - 1).name(), "'")));
}

TEST(CheckpointRegressionTest, TrailingBytesAndShortHeadersAreNamed) {
  proto::Checkpoint c;
  c.set_step(3);
  absl::StatusOr<std::string> framed = runtime::FrameCheckpoint(c);
  ASSERT_TRUE(framed.ok());
  EXPECT_TRUE(runtime::ParseCheckpoint(*framed, "c.bin").ok());
  EXPECT_THAT(runtime::ParseCheckpoint(*framed + "x", "c.bin").status().message(),
              HasSubstr("c.bin: not a usable checkpoint: trailing bytes"));
  EXPECT_THAT(runtime::ParseCheckpoint(framed->substr(0, 10), "c.bin").status().message(),
              HasSubstr("truncated: 10 bytes, shorter than the 24-byte header"));
}

// The half-cycle was multiplied by the growth once more after the last cycle: with
// n_s·growth^cycles beyond 2^63 that overflowed (undefined behaviour) although the run's
// length is well within range.
TEST(ScheduleRegressionTest, LastCycleDoesNotOverflowTheNextHalfCycle) {
  proto::Training t;
  t.mutable_schedule()->set_n_s(int64_t{1} << 38);
  t.mutable_schedule()->set_cycles(1);
  t.mutable_schedule()->set_growth(1 << 30);
  EXPECT_EQ(runtime::Schedule(t).total_steps(), int64_t{1} << 39);
}

// Any training section that validates gives a schedule of bounded size: log_every 1 over
// 2^40 updates asked for a vector of 2^40 log points (std::bad_alloc).
TEST(ScheduleRegressionTest, LogPointsAreBoundedByValidation) {
  std::vector<std::string> lines = TinyModelLines();
  lines.back() = "training { log_every: 1 schedule { kind: CONSTANT steps: 1099511627776 } }";
  absl::StatusOr<graph::Graph> g = BuildText(Join(lines));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("would make more than 1000000 log points"));
  lines.back() = "training { schedule { n_s: 1 cycles: 2000000 } }";
  g = BuildText(Join(lines));
  EXPECT_THAT(std::string(g.status().message()), HasSubstr("at most 250000 cycles"));
}

#if defined(__SANITIZE_ADDRESS__)
#define GRAPHRUN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAPHRUN_ASAN 1
#endif
#endif

// A model whose tensors do not fit in memory ended in std::terminate (std::bad_alloc);
// now it is a message and exit code 1. The address space is limited to 2 GiB so that
// the test behaves the same on any machine (not under AddressSanitizer, whose shadow
// memory needs terabytes of address space).
TEST(MemoryRegressionTest, ModelTooLargeForMemoryIsAMessage) {
#ifdef GRAPHRUN_ASAN
  GTEST_SKIP() << "needs a limited address space, which AddressSanitizer cannot run in";
#else
  const std::string dir = (fs::temp_directory_path() / absl::StrCat("graphrun_oom_", ::getpid())).string();
  fs::create_directories(dir);
  std::vector<std::string> lines = TinyModelLines();
  lines[3] = R"(param { name: "W1" shape: [128, 10] init { he_normal {} } } param { name: "big" shape: [65536, 65536] })";
  lines[11] = R"(node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] } node { name: "use_big" op: "relu" input: "big" })";
  WriteAll(dir + "/big.pbtxt", Join(lines));
  const Outcome o = RunIn(dir, "gradcheck big.pbtxt --samples 1", "ulimit -v 2097152 &&");
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  EXPECT_THAT(o.err, HasSubstr("graphrun gradcheck: out of memory"));
  EXPECT_FALSE(LooksLikeACrash(o.err)) << o.err;
  fs::remove_all(dir);
#endif
}

}  // namespace
}  // namespace graphrun::testing
