#include "tools/data_loading.h"

#include "absl/flags/flag.h"
#include "graph/status.h"
#include "tools/flags.h"

namespace graphrun::tools {

absl::StatusOr<runtime::Cifar10> LoadData(const graph::Graph& graph) {
  ASSIGN_OR_RETURN(std::string dir, runtime::FindCifar10(absl::GetFlag(FLAGS_data_dir),
                                                         graph.training().data().cifar10_dir()));
  return runtime::LoadCifar10(dir, graph.training().data().validation_size());
}

}  // namespace graphrun::tools
