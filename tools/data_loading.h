// Finding and loading CIFAR-10 for a command, with a one-line report.
#ifndef GRAPHRUN_TOOLS_DATA_LOADING_H_
#define GRAPHRUN_TOOLS_DATA_LOADING_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/cifar10.h"

namespace graphrun::tools {

// CIFAR-10 from --data_dir, the model's training.data.cifar10_dir, $GRAPHRUN_DATA_DIR or
// data/cifar-10-batches-bin, split as the model's training section says.
absl::StatusOr<runtime::Cifar10> LoadData(const graph::Graph& graph);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_DATA_LOADING_H_
