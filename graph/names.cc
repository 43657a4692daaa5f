#include "graph/names.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace graphrun {

int EditDistance(absl::string_view a, absl::string_view b) {
  // Optimal string alignment: insertions, deletions, substitutions and transpositions
  // of neighbours ("rleu" -> "relu") cost 1 each.
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::string Suggest(absl::string_view name, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return "";
  const std::string* best = nullptr;
  int best_distance = 0;
  for (const std::string& c : candidates) {
    const int d = EditDistance(name, c);
    if (best == nullptr || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  // Close enough to be a typo: at most a third of the longer name differs.
  const int limit = std::max<int>(1, static_cast<int>(std::max(name.size(), best->size())) / 3);
  if (best_distance <= limit) return absl::StrCat("; did you mean '", *best, "'?");
  std::vector<std::string> shown(candidates.begin(),
                                 candidates.begin() + std::min<size_t>(candidates.size(), 12));
  return absl::StrCat("; known: ", absl::StrJoin(shown, ", "),
                      candidates.size() > shown.size() ? ", ..." : "");
}

}  // namespace graphrun
