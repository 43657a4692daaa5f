// Small helpers shared by the ops' shape functions.
#ifndef GRAPHRUN_OPS_SHAPE_UTIL_H_
#define GRAPHRUN_OPS_SHAPE_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/op_registry.h"

namespace graphrun::ops {

// InvalidArgument unless input `i` has dtype `dtype`.
inline absl::Status ExpectDType(const graph::ShapeContext& ctx, int i, const char* what,
                                proto::DType dtype) {
  if (ctx.inputs[i].dtype == dtype) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " must be ", graph::DTypeName(dtype),
                                                 ", got ", ctx.inputs[i].ToString()));
}

// InvalidArgument unless input `i` has rank `rank` (or at least `rank` when `at_least`).
inline absl::Status ExpectRank(const graph::ShapeContext& ctx, int i, const char* what, int rank,
                               bool at_least = false) {
  const int r = ctx.inputs[i].shape.rank();
  if (at_least ? r >= rank : r == rank) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " must have ", at_least ? "at least " : "",
                                                 rank, " dimension", rank == 1 ? "" : "s", ", got ",
                                                 ctx.inputs[i].shape.ToString()));
}

}  // namespace graphrun::ops

#endif  // GRAPHRUN_OPS_SHAPE_UTIL_H_
