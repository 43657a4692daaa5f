// Inputs for the commands that run a model on a few samples (gradcheck, dump).
#ifndef GRAPHRUN_TOOLS_INPUTS_H_
#define GRAPHRUN_TOOLS_INPUTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/params.h"

namespace graphrun::tools {

// Values for every data input of `graph`, n samples each, by value id: the first n
// training images of CIFAR-10 (normalised as for training) and their labels when
// `use_data`, otherwise N(0, 1) images and uniform labels drawn from `seed`.
absl::StatusOr<std::map<int, std::vector<double>>> SampleInputs(const graph::Graph& graph,
                                                                int64_t n, bool use_data,
                                                                uint64_t seed);

// Initialises from the model's seed, or loads --params when given.
absl::Status SetUpParams(runtime::ParamStore* params);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_INPUTS_H_
