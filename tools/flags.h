// The Abseil flags of all subcommands, declared once; tools/cli.cc decides which
// command accepts which.
#ifndef GRAPHRUN_TOOLS_FLAGS_H_
#define GRAPHRUN_TOOLS_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, set);
ABSL_DECLARE_FLAG(int64_t, seed);
ABSL_DECLARE_FLAG(std::string, data_dir);
ABSL_DECLARE_FLAG(int64_t, samples);
ABSL_DECLARE_FLAG(std::string, params);
ABSL_DECLARE_FLAG(std::string, reference);
ABSL_DECLARE_FLAG(int32_t, fd_elements);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, out_dir);
ABSL_DECLARE_FLAG(std::string, resume);
ABSL_DECLARE_FLAG(int64_t, max_steps);
ABSL_DECLARE_FLAG(std::string, checkpoint);
ABSL_DECLARE_FLAG(int64_t, steps);
ABSL_DECLARE_FLAG(int64_t, batch);
ABSL_DECLARE_FLAG(bool, json);

namespace graphrun::tools {

// Checks that every numeric flag lies in its range (InvalidArgument naming the flag and
// the range); the command line turns a failure into a usage error.
absl::Status CheckFlagRanges();

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_FLAGS_H_
