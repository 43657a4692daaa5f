// Helpers of the robustness tests: running graphrun with its stdout and stderr apart,
// in the background (to signal or kill it), and snapshots of a directory tree.
#ifndef GRAPHRUN_TESTS_ROBUSTNESS_ROBUSTNESS_UTIL_H_
#define GRAPHRUN_TESTS_ROBUSTNESS_ROBUSTNESS_UTIL_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace graphrun::testing {

struct Outcome {
  int exit_code = -1;    // 128 + signal when a signal ended it
  int signal = 0;        // the signal that ended it, 0 if it exited
  std::string out, err;  // stdout, stderr
};

// Runs `graphrun ARGS` (ARGS as a shell would split them) in `dir`, with
// $GRAPHRUN_DATA_DIR unset so that only the arguments choose the data, on one OpenMP
// thread.
// `shell_prefix` runs before graphrun in the same shell (e.g. "ulimit -v 2097152 &&").
Outcome RunIn(const std::string& dir, const std::string& args, const std::string& shell_prefix = "");

// A graphrun started in the background.
class Process {
 public:
  Process(const std::string& dir, const std::string& args);
  ~Process();
  pid_t pid() const { return pid_; }
  void Signal(int signal);
  // Waits for the end and collects the output; after `timeout_seconds` kills it
  // (SIGKILL, so the outcome shows signal 9).
  Outcome Wait(double timeout_seconds = 600);
  // The stdout written so far.
  std::string Stdout() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
  bool waited_ = false;
};

// Every regular file under `dir` (relative path -> size and content hash).
using Snapshot = std::map<std::string, std::pair<uint64_t, uint64_t>>;
Snapshot TakeSnapshot(const std::string& dir);
// "new file x; changed y; removed z", or "" when equal.
std::string CompareSnapshots(const Snapshot& before, const Snapshot& after);

// Text every message of a crash carries (sanitizers, std::terminate, CHECK, abort).
bool LooksLikeACrash(const std::string& text);

std::string ReadAll(const std::string& path);
void WriteAll(const std::string& path, const std::string& contents);

// A small valid CIFAR-10 directory: data_batch_1..5.bin with `per_batch` records each,
// test_batch.bin with `test` (the images of tests/cifar_fixture.h).
void WriteCifarData(const std::string& dir, int per_batch, int test);

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_ROBUSTNESS_ROBUSTNESS_UTIL_H_
