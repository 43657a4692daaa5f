// Shapes and element types of tensors, with the symbolic batch dimension.
#ifndef GRAPHRUN_GRAPH_SHAPE_H_
#define GRAPHRUN_GRAPH_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/graph.pb.h"

namespace graphrun::graph {

// The symbolic batch dimension N; only ever the first dimension of a shape.
inline constexpr int64_t kBatch = -1;
// Largest number of elements graphrun accepts in one tensor (per sample for batched
// shapes): 2^34 floats are 64 GiB, beyond any machine it runs on.
inline constexpr int64_t kMaxElements = int64_t{1} << 34;

using Dims = std::vector<int64_t>;

// A tensor's dimensions; dims[0] may be kBatch.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(Dims dims) : dims_(std::move(dims)) {}

  const Dims& dims() const { return dims_; }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  bool batched() const { return !dims_.empty() && dims_[0] == kBatch; }
  // Product of all dimensions, the batch dimension counted as `batch`.
  int64_t NumElements(int64_t batch = 1) const;
  // Product of the dimensions from `begin` on (the batch dimension counted as 1).
  int64_t Product(int begin, int end = -1) const;
  // The same shape with the batch dimension made concrete.
  Shape WithBatch(int64_t batch) const;
  // "N×3×32×32", "[]" for a scalar.
  std::string ToString() const;

  friend bool operator==(const Shape& a, const Shape& b) { return a.dims_ == b.dims_; }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  Dims dims_;
};

// Element type and shape of a tensor.
struct TensorType {
  proto::DType dtype = proto::FLOAT32;
  Shape shape;
  std::string ToString() const;  // "f32[N×10]"
};

// "f32", "bf16", "i32".
std::string DTypeName(proto::DType dtype);
// Bytes per element.
int DTypeSize(proto::DType dtype);

// Checks dimensions written by a user: positive, the batch marker only first and only
// when `allow_batch`, and the element count within kMaxElements (no overflow).
absl::Status CheckDims(const Dims& dims, bool allow_batch);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_SHAPE_H_
