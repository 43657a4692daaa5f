#include "tools/model_loading.h"

#include "absl/flags/flag.h"
#include "graph/overrides.h"
#include "graph/status.h"
#include "tools/flags.h"

namespace graphrun::tools {

absl::StatusOr<graph::Graph> LoadGraph(const std::string& path) {
  ASSIGN_OR_RETURN(graph::ModelFile file, graph::LoadModelFile(path));
  for (const std::string& assignment : absl::GetFlag(FLAGS_set)) {
    RETURN_IF_ERROR(graph::ApplyOverride(assignment, file.model.mutable_training()));
  }
  if (absl::GetFlag(FLAGS_seed) >= 0) {
    file.model.mutable_training()->set_seed(static_cast<uint64_t>(absl::GetFlag(FLAGS_seed)));
  }
  return graph::Graph::Build(file);
}

}  // namespace graphrun::tools
