// Status plumbing shared by every module: everything that can fail returns
// absl::Status or absl::StatusOr and is passed up with these two macros.
#ifndef GRAPHRUN_GRAPH_STATUS_H_
#define GRAPHRUN_GRAPH_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

#define GRAPHRUN_CONCAT_INNER_(a, b) a##b
#define GRAPHRUN_CONCAT_(a, b) GRAPHRUN_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    ::absl::Status graphrun_status_ = (expr);              \
    if (!graphrun_status_.ok()) return graphrun_status_;   \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` declares x from an absl::StatusOr or returns
// its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  GRAPHRUN_ASSIGN_OR_RETURN_IMPL_(GRAPHRUN_CONCAT_(graphrun_statusor_, __LINE__), lhs, expr)

#define GRAPHRUN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

namespace graphrun {

// Prefixes a non-OK status's message with `context` ("file.npz: "), keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace graphrun

#endif  // GRAPHRUN_GRAPH_STATUS_H_
