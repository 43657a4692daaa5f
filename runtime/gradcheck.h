// Gradient checks of a whole graph, like the study's Table 1:
//  (a) the oneDNN float32 executor against the double-precision reference, for every
//      intermediate tensor's forward value and every parameter gradient;
//  (b) the reference's analytic gradient against centred finite differences in double
//      precision, for every intermediate tensor and parameter that gets a gradient.
// Relative error is normwise: max|x − ref| / max|ref| over the tensor (or over the
// finite-difference elements sampled from it).
#ifndef GRAPHRUN_RUNTIME_GRADCHECK_H_
#define GRAPHRUN_RUNTIME_GRADCHECK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/params.h"

namespace graphrun::runtime {

struct Diff {
  double max_abs = 0;
  double mean_abs = 0;
  double max_rel = 0;
  int64_t count = 0;  // elements compared
};

// Compares `got` with `want` (the reference), normwise.
Diff Compare(const std::vector<double>& got, const std::vector<double>& want);

struct CheckRow {
  std::string tensor;  // value name, or "grad/<param>"
  std::string shape;
  bool has_a = false, has_b = false;
  Diff a, b;
  int kinks = 0;       // (b): elements skipped because a ReLU kink lies within the step
};

struct GradcheckOptions {
  int fd_elements = 6;  // finite-difference elements per tensor (the largest gradient first)
  uint64_t seed = 1;    // which elements
  double tol_a = 1e-4;
  double tol_b = 1e-6;
};

// Runs both backends on `batch` samples with the given input values (by value id) and
// the parameters in `params`, and returns one row per intermediate tensor and one per
// parameter gradient.
absl::StatusOr<std::vector<CheckRow>> Gradcheck(const graph::Graph& graph, ParamStore& params,
                                                int64_t batch,
                                                const std::map<int, std::vector<double>>& inputs,
                                                const GradcheckOptions& options);

// Whether every row is within the tolerances.
bool Passes(const std::vector<CheckRow>& rows, const GradcheckOptions& options);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_GRADCHECK_H_
