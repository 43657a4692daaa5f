// The graphrun command line: a table of subcommands, each with the Abseil flags it
// accepts; flags are parsed through Abseil's reflection so that every misuse is a
// usage message and exit code 2 (never an abort).
#ifndef GRAPHRUN_TOOLS_CLI_H_
#define GRAPHRUN_TOOLS_CLI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace graphrun::tools {

// Exit codes: 0 success, 1 failure (a bad model, data, checkpoint …), 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A subcommand's positional arguments after the flags are taken out.
using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* synopsis;     // "summary MODEL"
  const char* summary;      // one line
  const char* description;  // paragraphs for `graphrun help CMD`
  std::vector<const char*> flags;  // names of the Abseil flags it accepts
  int min_args;
  int max_args;             // -1: unbounded
  int (*run)(const Args& args);
};

// The table of subcommands, in help order.
const std::vector<Command>& Commands();

// Parses argv (flags anywhere after the subcommand) and runs the command.
int Main(int argc, char** argv);

// Prints a failed status as the user-facing error and returns kExitFailure.
int Fail(const absl::Status& status);
// Prints a usage error (with a hint to `graphrun help CMD`) and returns kExitUsage.
int UsageError(const std::string& command, const std::string& message);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_CLI_H_
