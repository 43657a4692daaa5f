#include "runtime/tensor.h"

#include <algorithm>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>

#include "runtime/engine.h"

namespace graphrun::runtime {

namespace {
constexpr size_t kAlignment = 64;
int64_t bytes_allocated = 0;
}  // namespace

int64_t TensorBytesAllocated() { return bytes_allocated; }

Tensor Tensor::Allocate(const graph::TensorType& type) {
  Tensor t;
  t.type_ = type;
  // Round up to the alignment, and never ask for zero bytes (scalars are one element).
  const size_t bytes = std::max<size_t>(t.bytes(), 1);
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  bytes_allocated += static_cast<int64_t>(rounded);
  t.owner_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  t.data_ = p;
  return t;
}

Tensor Tensor::View(const graph::TensorType& type, void* data) {
  Tensor t;
  t.type_ = type;
  t.data_ = data;
  return t;
}

Tensor Tensor::Reshaped(const graph::Shape& shape) const {
  Tensor t = *this;
  t.type_.shape = shape;
  return t;
}

dnnl::memory::data_type DnnlType(proto::DType dtype) {
  switch (dtype) {
    case proto::BFLOAT16: return dnnl::memory::data_type::bf16;
    case proto::INT32: return dnnl::memory::data_type::s32;
    default: return dnnl::memory::data_type::f32;
  }
}

dnnl::memory::dims DnnlDims(const graph::Shape& shape) {
  if (shape.rank() == 0) return {1};
  return dnnl::memory::dims(shape.dims().begin(), shape.dims().end());
}

dnnl::memory::desc Tensor::md() const { return md(DnnlDims(shape())); }

dnnl::memory::desc Tensor::md(const dnnl::memory::dims& dims) const {
  dnnl::memory::dims strides(dims.size());
  dnnl::memory::dim stride = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return dnnl::memory::desc(dims, DnnlType(dtype()), strides);
}

}  // namespace graphrun::runtime
