// The table of subcommands: name, synopsis, help text, accepted flags, entry point.
#include "tools/cli.h"
#include "tools/commands.h"

namespace graphrun::tools {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"summary", "summary MODEL",
       "print each node's op, output shape, parameter count and forward FLOPs per sample",
       "Loads and validates MODEL (every problem is reported with its file and line), infers\n"
       "shapes with the batch dimension N symbolic, and prints one row per node with totals.",
       {"set", "seed"}, 1, 1, RunSummary},
      {"ops", "ops", "list the registered ops with their inputs, outputs and attributes", "", {},
       0, 0, RunOps},
  };
  return commands;
}

}  // namespace graphrun::tools

