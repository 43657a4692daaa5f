// Loading a model file for a subcommand: parse, apply --set and --seed, validate.
#ifndef GRAPHRUN_TOOLS_MODEL_LOADING_H_
#define GRAPHRUN_TOOLS_MODEL_LOADING_H_

#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace graphrun::tools {

// The validated graph of the model file at `path`, with the command line's --set
// overrides and --seed applied to its training section.
absl::StatusOr<graph::Graph> LoadGraph(const std::string& path);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_MODEL_LOADING_H_
