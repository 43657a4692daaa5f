// `--set FIELD=VALUE`: change one field of a model's training section by its path,
// through protobuf reflection, e.g. "schedule.cycles=1" or "l2.params=W1,W2".
#ifndef GRAPHRUN_GRAPH_OVERRIDES_H_
#define GRAPHRUN_GRAPH_OVERRIDES_H_

#include <string>

#include "absl/status/status.h"
#include "proto/graph.pb.h"

namespace graphrun::graph {

// Applies one "path=value" assignment to `training`. Unknown paths, values of the
// wrong type and malformed assignments are InvalidArgument naming the path.
// Repeated fields take a comma-separated list that replaces their contents.
absl::Status ApplyOverride(const std::string& assignment, proto::Training* training);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_OVERRIDES_H_
