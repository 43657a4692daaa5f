// The subcommands' entry points (each in its own cmd_*.cc).
#ifndef GRAPHRUN_TOOLS_COMMANDS_H_
#define GRAPHRUN_TOOLS_COMMANDS_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/trainer.h"
#include "tools/cli.h"

namespace graphrun::tools {

// Trains the model file at `model_path` into `run_dir` (default runs/<model>-<time>) with
// the command line's --set, --seed, --data_dir and --max_steps; Ctrl-C stops it cleanly.
absl::StatusOr<runtime::TrainOutcome> TrainModel(const std::string& model_path,
                                                 const std::string& run_dir, bool resume);

int RunSummary(const Args& args);
int RunOps(const Args& args);
int RunGradcheck(const Args& args);
int RunDump(const Args& args);
int RunTrain(const Args& args);
int RunEval(const Args& args);
int RunPlot(const Args& args);
int RunCompare(const Args& args);
int RunSchedule(const Args& args);
int RunTime(const Args& args);


}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_COMMANDS_H_
