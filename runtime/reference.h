// The reference backend: every op's forward and backward as plain loops in double
// precision. It is the oracle of the tests and of `graphrun gradcheck`, so it is written
// to be obviously correct, not fast.
#ifndef GRAPHRUN_RUNTIME_REFERENCE_H_
#define GRAPHRUN_RUNTIME_REFERENCE_H_

#include <vector>

#include "graph/op_registry.h"
#include "graph/shape.h"

namespace graphrun::runtime {

// A dense row-major tensor of doubles (integer labels are stored as exact doubles).
struct RefTensor {
  graph::Shape shape;
  std::vector<double> data;

  static RefTensor Zeros(const graph::Shape& shape) {
    return RefTensor{shape, std::vector<double>(static_cast<size_t>(shape.NumElements()), 0.0)};
  }
  size_t size() const { return data.size(); }
  double& operator[](size_t i) { return data[i]; }
  double operator[](size_t i) const { return data[i]; }
};

using RefInputs = std::vector<const RefTensor*>;
using RefOutputs = std::vector<RefTensor*>;

class RefKernel {
 public:
  virtual ~RefKernel() = default;
  // Computes the outputs (already shaped and zeroed).
  virtual void Forward(const graph::Attrs& attrs, const RefInputs& in,
                       const RefOutputs& out) const = 0;
  // Adds dL/d(in[i]) into d_in[i] for every non-null d_in[i]. d_out[k] is null when no
  // gradient flows from output k.
  virtual void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs& out,
                        const RefInputs& d_out, const RefOutputs& d_in) const = 0;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_REFERENCE_H_
