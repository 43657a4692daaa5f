// Tensors: 64-byte-aligned buffers with a concrete shape and dtype, seen by oneDNN as
// dnnl::memory over the same bytes (no copies).
#ifndef GRAPHRUN_RUNTIME_TENSOR_H_
#define GRAPHRUN_RUNTIME_TENSOR_H_

#include <cstdint>
#include <memory>

#include <oneapi/dnnl/dnnl.hpp>

#include "graph/shape.h"

namespace graphrun::runtime {

class Tensor {
 public:
  Tensor() = default;
  // A new zero-filled buffer of `type` (its shape must be concrete).
  static Tensor Allocate(const graph::TensorType& type);
  // A tensor over memory someone else owns (and keeps alive).
  static Tensor View(const graph::TensorType& type, void* data);
  // The same bytes seen with another shape of the same element count.
  Tensor Reshaped(const graph::Shape& shape) const;

  proto::DType dtype() const { return type_.dtype; }
  const graph::Shape& shape() const { return type_.shape; }
  const graph::TensorType& type() const { return type_; }
  int64_t size() const { return type_.shape.NumElements(); }
  size_t bytes() const { return static_cast<size_t>(size()) * graph::DTypeSize(type_.dtype); }
  bool empty() const { return data_ == nullptr; }

  void* data() const { return data_; }
  float* f32() const { return static_cast<float*>(data_); }
  int32_t* i32() const { return static_cast<int32_t*>(data_); }

  // The plain row-major (C order) oneDNN descriptor of this tensor, optionally seen
  // with other dims of the same element count.
  dnnl::memory::desc md() const;
  dnnl::memory::desc md(const dnnl::memory::dims& dims) const;

 private:
  graph::TensorType type_;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

// oneDNN's data type for a dtype.
dnnl::memory::data_type DnnlType(proto::DType dtype);
// Row-major strides-free dims of a shape.
dnnl::memory::dims DnnlDims(const graph::Shape& shape);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_TENSOR_H_
