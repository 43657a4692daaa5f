// Suggestions for misspelt names: "unknown op 'matmull'; did you mean 'matmul'?".
#ifndef GRAPHRUN_GRAPH_NAMES_H_
#define GRAPHRUN_GRAPH_NAMES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace graphrun {

// Levenshtein distance between two strings.
int EditDistance(absl::string_view a, absl::string_view b);

// "; did you mean 'x'?" when a candidate is close to `name`, else "; known: a, b, c"
// (or "" when there are no candidates). Lists at most 12 names.
std::string Suggest(absl::string_view name, const std::vector<std::string>& candidates);

}  // namespace graphrun

#endif  // GRAPHRUN_GRAPH_NAMES_H_
