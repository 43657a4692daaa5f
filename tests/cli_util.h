// Running the graphrun binary from tests: exit code and combined output.
#ifndef GRAPHRUN_TESTS_CLI_UTIL_H_
#define GRAPHRUN_TESTS_CLI_UTIL_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace graphrun::testing {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `graphrun ARGS` (a shell-quoted argument string) in the directory `cwd`.
inline CliResult RunGraphrunIn(const std::string& cwd, const std::string& args) {
  const std::string command = "cd '" + cwd + "' && '" + GRAPHRUN_BINARY + "' " + args + " 2>&1";
  CliResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  return r;
}

// Runs `graphrun ARGS` from the source directory.
inline CliResult RunGraphrun(const std::string& args) { return RunGraphrunIn(GRAPHRUN_SOURCE_DIR, args); }

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_CLI_UTIL_H_
