// The subcommands' entry points (each in its own cmd_*.cc).
#ifndef GRAPHRUN_TOOLS_COMMANDS_H_
#define GRAPHRUN_TOOLS_COMMANDS_H_

#include "tools/cli.h"

namespace graphrun::tools {

int RunSummary(const Args& args);
int RunOps(const Args& args);
int RunGradcheck(const Args& args);
int RunDump(const Args& args);
int RunTrain(const Args& args);
int RunEval(const Args& args);


}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_COMMANDS_H_
