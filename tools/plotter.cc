#include "tools/plotter.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

extern char** environ;

#ifndef GRAPHRUN_PLOT_SCRIPT
#define GRAPHRUN_PLOT_SCRIPT "tools/plot.py"
#endif

namespace graphrun::tools {

namespace fs = std::filesystem;

namespace {

// tools/plot.py's exit codes besides 0.
constexpr int kScriptMissingModule = 3;
constexpr int kScriptCannotWrite = 4;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0' ? v : fallback;
}

std::string Python() { return Env("GRAPHRUN_PYTHON", "/usr/bin/python3"); }

absl::Status MissingMatplotlib(const std::string& python, const std::string& why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "drawing needs matplotlib for Python 3 (graphrun's optional plotting helper), but ", why,
      ": ", kPlotInstallHint, ". Training and every other command work without it; ",
      "GRAPHRUN_PYTHON names another interpreter (now ", python, ")."));
}

// Runs `python script args...` and returns its exit status.
absl::Status RunScript(const std::vector<std::string>& args) {
  const std::string python = Python();
  const std::string script = Env("GRAPHRUN_PLOT_SCRIPT", GRAPHRUN_PLOT_SCRIPT);
  std::error_code ec;
  if (!fs::is_regular_file(script, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the drawing script ", script, " is missing; set GRAPHRUN_PLOT_SCRIPT to graphrun's tools/plot.py"));
  }
  std::vector<std::string> owned = {python, script};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : owned) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid;
  const int spawned = ::posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
  if (spawned == ENOENT) return MissingMatplotlib(python, absl::StrCat("there is no Python interpreter ", python));
  if (spawned != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run the Python interpreter ", python, ": ", std::strerror(spawned)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waiting for ", python, ": ", std::strerror(errno)));
  }
  if (WIFSIGNALED(status)) {
    return absl::InternalError(absl::StrCat(python, " ", script, " was killed by signal ", WTERMSIG(status)));
  }
  const int code = WEXITSTATUS(status);
  if (code == 0) return absl::OkStatus();
  if (code == 127) return MissingMatplotlib(python, absl::StrCat(python, " could not be started"));
  if (code == kScriptMissingModule) return MissingMatplotlib(python, absl::StrCat(python, " cannot import it"));
  if (code == kScriptCannotWrite) {
    return absl::PermissionDeniedError("the figures could not be written (the reason is above)");
  }
  return absl::InternalError(absl::StrCat(script, " failed with exit status ", code, " (its message is above)"));
}

}  // namespace

std::string JsonNumber(double v) { return std::isfinite(v) ? absl::StrFormat("%.9g", v) : "null"; }

std::string JsonNumbers(const std::vector<double>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* out, double x) { out->append(JsonNumber(x)); }),
                      "]");
}

std::string JsonStrings(const std::vector<std::string>& v) {
  return absl::StrCat(
      "[", absl::StrJoin(v, ",", [](std::string* out, const std::string& s) { out->append(JsonString(s)); }), "]");
}

absl::Status CheckPlotting() { return RunScript({"--check"}); }

absl::Status DrawFigures(const std::vector<Figure>& figures) {
  std::string pattern = (fs::temp_directory_path() / "graphrun-plot-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create a temporary file ", pattern, ": ", std::strerror(errno)));
  }
  const std::string job = absl::StrCat("{\"figures\": [\n", absl::StrJoin(figures, ",\n"), "\n]}\n");
  bool written = true;
  for (size_t done = 0; written && done < job.size();) {
    const ssize_t n = ::write(fd, job.data() + done, job.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<size_t>(n);
  }
  written = ::close(fd) == 0 && written;
  absl::Status status = written ? RunScript({pattern})
                                : absl::InternalError(absl::StrCat("cannot write the temporary file ", pattern));
  std::error_code ec;
  fs::remove(pattern, ec);
  return status;
}

}  // namespace graphrun::tools
