// Shared by the fuzz targets: checks that stop the fuzzer on a broken promise (not just a
// crash), and the small model the checkpoint fuzzer restores into.
#ifndef GRAPHRUN_TESTS_FUZZ_FUZZ_UTIL_H_
#define GRAPHRUN_TESTS_FUZZ_FUZZ_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "graph/graph.h"

namespace graphrun::fuzz {

// Aborts (a finding) with `what` when `condition` is false.
void Require(bool condition, const std::string& what);

// A user-facing error must name the file: its message starts with "`file`:".
void RequireNamesFile(const absl::Status& status, const std::string& file);

// The small study network (f = 4, nf = 2, nh = 10), built once.
const graph::Graph& TinyGraph();

}  // namespace graphrun::fuzz

#endif  // GRAPHRUN_TESTS_FUZZ_FUZZ_UTIL_H_
