#include "tests/robustness/robustness_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/cifar_fixture.h"

namespace graphrun::testing {

namespace fs = std::filesystem;

namespace {

int output_counter = 0;

// A shell command that runs graphrun in `dir` with a clean data environment, on one
// OpenMP thread: ctest -j2 runs two tests at once on two cores, and oneDNN's OpenMP
// threads spin-waiting for a descheduled sibling make a tiny run 30× slower.
std::string Command(const std::string& dir, const std::string& args, const std::string& prefix = "") {
  return absl::StrCat("cd '", dir, "' && ", prefix, " exec env -u GRAPHRUN_DATA_DIR OMP_NUM_THREADS=1 '",
                      GRAPHRUN_BINARY, "' ", args);
}

// Output files live beside `dir`, never in it (the tests compare its contents).
std::pair<std::string, std::string> OutputPaths(const std::string& dir) {
  const std::string base = absl::StrCat(fs::path(dir).parent_path().string(), "/.",
                                        fs::path(dir).filename().string(), ".", ::getpid(), ".",
                                        output_counter++);
  return {base + ".out", base + ".err"};
}

pid_t Spawn(const std::string& command, const std::string& out, const std::string& err) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(125);
    ::dup2(o, 1);
    ::dup2(e, 2);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The outcome of a process that ended with `status`, its output files read and removed.
Outcome Finish(int status, const std::string& out, const std::string& err) {
  Outcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
    o.exit_code = 128 + o.signal;
  }
  o.out = ReadAll(out);
  o.err = ReadAll(err);
  std::error_code ec;
  fs::remove(out, ec);
  fs::remove(err, ec);
  return o;
}

Outcome Collect(pid_t pid, const std::string& out, const std::string& err) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return Finish(status, out, err);
}

}  // namespace

Outcome RunIn(const std::string& dir, const std::string& args, const std::string& shell_prefix) {
  const auto [out, err] = OutputPaths(dir);
  return Collect(Spawn(Command(dir, args, shell_prefix), out, err), out, err);
}

Process::Process(const std::string& dir, const std::string& args) {
  std::tie(out_path_, err_path_) = OutputPaths(dir);
  pid_ = Spawn(Command(dir, args), out_path_, err_path_);
}

Process::~Process() {
  if (!waited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Collect(pid_, out_path_, err_path_);
  }
}

void Process::Signal(int signal) { ::kill(pid_, signal); }

Outcome Process::Wait(double timeout_seconds) {
  waited_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) return Finish(status, out_path_, err_path_);
    if (r < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Collect(pid_, out_path_, err_path_);
}

std::string Process::Stdout() const { return ReadAll(out_path_); }

Snapshot TakeSnapshot(const std::string& dir) {
  Snapshot snapshot;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string contents = ReadAll(it->path().string());
    snapshot[fs::relative(it->path(), dir).string()] = {contents.size(),
                                                         std::hash<std::string>()(contents)};
  }
  return snapshot;
}

std::string CompareSnapshots(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> changes;
  for (const auto& [path, state] : after) {
    auto it = before.find(path);
    if (it == before.end()) {
      changes.push_back(absl::StrCat("new file ", path, " (", state.first, " bytes)"));
    } else if (it->second != state) {
      changes.push_back(absl::StrCat("changed ", path));
    }
  }
  for (const auto& [path, state] : before) {
    if (after.count(path) == 0) changes.push_back(absl::StrCat("removed ", path));
  }
  return absl::StrJoin(changes, "; ");
}

bool LooksLikeACrash(const std::string& text) {
  for (const char* marker : {"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                             "runtime error:", "terminate called", "Aborted", "Segmentation fault",
                             "internal error", "Check failed", "core dumped"}) {
    if (text.find(marker) != std::string::npos) return true;
  }
  return false;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

void WriteAll(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

void WriteCifarData(const std::string& dir, int per_batch, int test) {
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b) WriteCifarBatch(absl::StrCat(dir, "/data_batch_", b, ".bin"), per_batch, b);
  WriteCifarBatch(dir + "/test_batch.bin", test, 99);
  WriteAll(dir + "/batches.meta.txt",
           "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
}

}  // namespace graphrun::testing
