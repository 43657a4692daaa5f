#include "graph/shape.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace graphrun::graph {

int64_t Shape::NumElements(int64_t batch) const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= (d == kBatch ? batch : d);
  return n;
}

int64_t Shape::Product(int begin, int end) const {
  if (end < 0) end = rank();
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= (dims_[i] == kBatch ? 1 : dims_[i]);
  return n;
}

Shape Shape::WithBatch(int64_t batch) const {
  Dims dims = dims_;
  for (int64_t& d : dims) {
    if (d == kBatch) d = batch;
  }
  return Shape(std::move(dims));
}

std::string Shape::ToString() const {
  if (dims_.empty()) return "[]";
  return absl::StrJoin(dims_, "×", [](std::string* out, int64_t d) {
    if (d == kBatch) {
      out->append("N");
    } else {
      absl::StrAppend(out, d);
    }
  });
}

std::string TensorType::ToString() const {
  return absl::StrCat(DTypeName(dtype), "[", shape.rank() == 0 ? "" : shape.ToString(), "]");
}

std::string DTypeName(proto::DType dtype) {
  switch (dtype) {
    case proto::FLOAT32: return "f32";
    case proto::BFLOAT16: return "bf16";
    case proto::INT32: return "i32";
    default: return "?";
  }
}

int DTypeSize(proto::DType dtype) {
  switch (dtype) {
    case proto::BFLOAT16: return 2;
    default: return 4;
  }
}

absl::Status CheckDims(const Dims& dims, bool allow_batch) {
  int64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = dims[i];
    if (d == kBatch) {
      if (!allow_batch) {
        return absl::InvalidArgumentError(
            absl::StrCat("dimension ", i, " is -1, but only data inputs have a batch dimension"));
      }
      if (i != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "dimension ", i, " is -1: the batch dimension (-1) may only be the first"));
      }
      continue;
    }
    if (d <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dimension ", i, " is ", d, "; dimensions must be positive"));
    }
    if (d > kMaxElements || count > kMaxElements / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shape [", absl::StrJoin(dims, ", "), "] has more than 2^34 elements"));
    }
    count *= d;
  }
  return absl::OkStatus();
}

}  // namespace graphrun::graph
