// The corpus of bad inputs (tests/robustness/cases/, described in its README.md), each
// run through the graphrun binary: the expected exit code (1, or 2 for usage), the
// expected message on stderr, no crash, and no file left behind or changed.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/robustness/robustness_util.h"

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kRobustness = GRAPHRUN_SOURCE_DIR "/tests/robustness";

struct Case {
  std::vector<std::string> setup;   // steps run before the command, in order
  std::string run;                  // graphrun's arguments
  int exit = -1;                    // the expected exit code
  std::vector<std::string> errors;  // substrings stderr must contain
};

absl::StatusOr<Case> ParseCase(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  Case c;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    const size_t colon = text.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": expected KEY: VALUE"));
    }
    const std::string key(text.substr(0, colon));
    const std::string value(absl::StripLeadingAsciiWhitespace(text.substr(colon + 1)));
    if (key == "setup") {
      c.setup.push_back(value);
    } else if (key == "run") {
      c.run = value;
    } else if (key == "exit") {
      if (!absl::SimpleAtoi(value, &c.exit)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": exit takes a number"));
      }
    } else if (key == "error") {
      c.errors.push_back(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": unknown key '", key,
                                                     "' (setup, run, exit, error)"));
    }
  }
  if (c.run.empty() || c.exit < 0 || c.errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": needs run:, exit: and error:"));
  }
  return c;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kRobustness + "/cases", ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ScratchRoot() {
  return (fs::temp_directory_path() / absl::StrCat("graphrun_corpus_", ::getpid())).string();
}

// One setup step, run in the case's scratch directory `dir`. Paths are relative to it.
absl::Status RunSetupStep(const std::string& dir, const std::string& step) {
  std::vector<std::string> words = absl::StrSplit(step, ' ', absl::SkipEmpty());
  const std::string verb = words.empty() ? "" : words[0];
  auto path = [&](size_t i) { return dir + "/" + words[i]; };
  auto number = [&](size_t i) -> int64_t {
    int64_t n = 0;
    if (i >= words.size() || !absl::SimpleAtoi(words[i], &n)) n = INT64_MIN;
    return n;
  };
  auto bad = [&] { return absl::InvalidArgumentError(absl::StrCat("bad setup step '", step, "'")); };
  if (verb == "data" && words.size() >= 2) {
    // data DIR [PER_BATCH [TEST]]
    const int64_t per_batch = words.size() > 2 ? number(2) : 40, test = words.size() > 3 ? number(3) : 20;
    if (per_batch < 0 || test < 0) return bad();
    WriteCifarData(path(1), static_cast<int>(per_batch), static_cast<int>(test));
  } else if (verb == "graphrun") {
    // graphrun ARGS: must succeed
    const Outcome o = RunIn(dir, step.substr(9));
    if (o.exit_code != 0) {
      return absl::InternalError(absl::StrCat("setup '", step, "' failed (exit ", o.exit_code, "):\n", o.err));
    }
  } else if (verb == "truncate" && words.size() == 3) {
    // truncate FILE SIZE (a negative SIZE cuts that many bytes off the end)
    const int64_t size = number(2);
    const int64_t now = static_cast<int64_t>(fs::file_size(path(1)));
    if (size == INT64_MIN) return bad();
    fs::resize_file(path(1), static_cast<uintmax_t>(size < 0 ? std::max<int64_t>(now + size, 0) : size));
  } else if ((verb == "flip" || verb == "poke") && words.size() == (verb == "flip" ? 3u : 4u)) {
    // flip FILE OFFSET: invert one byte; poke FILE OFFSET VALUE: set one byte
    // (a negative OFFSET counts from the end)
    std::string bytes = ReadAll(path(1));
    int64_t at = number(2);
    if (at == INT64_MIN) return bad();
    if (at < 0) at += static_cast<int64_t>(bytes.size());
    if (at < 0 || at >= static_cast<int64_t>(bytes.size())) return bad();
    bytes[at] = verb == "flip" ? static_cast<char>(~bytes[at]) : static_cast<char>(number(3));
    WriteAll(path(1), bytes);
  } else if (verb == "remove" && words.size() == 2) {
    fs::remove_all(path(1));
  } else if (verb == "mkdir" && words.size() == 2) {
    fs::create_directories(path(1));
  } else if (verb == "write" && words.size() >= 2) {
    // write FILE TEXT (\n in TEXT is a newline)
    const size_t at = step.find(words[1]) + words[1].size();
    std::string text = at < step.size() ? step.substr(at + 1) : "";
    text = absl::StrReplaceAll(text, {{"\\n", "\n"}});
    WriteAll(path(1), text);
  } else if (verb == "copy" && words.size() == 3) {
    fs::copy(path(1), path(2), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  } else {
    return bad();
  }
  return absl::OkStatus();
}

class CorpusTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    if (!::testing::UnitTest::GetInstance()->Failed()) {
      std::error_code ec;
      fs::remove_all(ScratchRoot(), ec);
    }
  }
};

TEST_P(CorpusTest, FailsWithItsMessageAndLeavesNoFile) {
  const std::string source = kRobustness + "/cases/" + GetParam();
  absl::StatusOr<Case> c = ParseCase(source + "/case.txt");
  ASSERT_TRUE(c.ok()) << c.status();

  // The scratch directory: the shared models, then the case's own files.
  const std::string dir = ScratchRoot() + "/" + GetParam();
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(kRobustness + "/models")) {
    fs::copy(entry.path(), dir + "/" + entry.path().filename().string());
  }
  for (const auto& entry : fs::directory_iterator(source)) {
    if (entry.path().filename() == "case.txt") continue;
    fs::copy(entry.path(), dir + "/" + entry.path().filename().string(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  for (const std::string& step : c->setup) {
    const absl::Status s = RunSetupStep(dir, step);
    ASSERT_TRUE(s.ok()) << s;
  }

  const Snapshot before = TakeSnapshot(dir);
  const Outcome o = RunIn(dir, c->run);
  const Snapshot after = TakeSnapshot(dir);
  if (std::getenv("GRAPHRUN_CORPUS_SHOW") != nullptr) {  // to review the messages
    std::printf("=== %s: graphrun %s -> exit %d\n%s", GetParam().c_str(), c->run.c_str(), o.exit_code,
                o.err.c_str());
  }
  const std::string context = absl::StrCat("graphrun ", c->run, "\n--- stdout\n", o.out,
                                           "--- stderr\n", o.err);

  EXPECT_EQ(o.signal, 0) << "killed by a signal\n" << context;
  EXPECT_FALSE(LooksLikeACrash(o.out + o.err)) << context;
  EXPECT_EQ(o.exit_code, c->exit) << context;
  for (const std::string& error : c->errors) EXPECT_THAT(o.err, HasSubstr(error)) << context;
  if (c->exit == 2) {
    EXPECT_THAT(o.err, HasSubstr("Run `graphrun help")) << context;
  }
  EXPECT_EQ(CompareSnapshots(before, after), "")
      << "a failed command must leave no file behind and change none\n" << context;
}

std::string CaseTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, CorpusTest, ::testing::ValuesIn(CaseNames()), CaseTestName);

TEST(CorpusSizeTest, AtLeastFortyCasesEachWithACaseFile) {
  const std::vector<std::string> names = CaseNames();
  EXPECT_GE(names.size(), 40u);
  for (const std::string& name : names) {
    EXPECT_TRUE(ParseCase(kRobustness + "/cases/" + name + "/case.txt").ok()) << name;
  }
}

}  // namespace
}  // namespace graphrun::testing
