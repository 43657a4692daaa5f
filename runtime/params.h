// The parameters of a model and their gradients, shared by every executor of it (the
// training one and the evaluation ones), with initialisation from the model file.
#ifndef GRAPHRUN_RUNTIME_PARAMS_H_
#define GRAPHRUN_RUNTIME_PARAMS_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "runtime/tensor.h"

namespace graphrun::runtime {

// A contiguous range of the parameter arenas, in floats.
struct ParamSegment {
  int64_t offset = 0;
  int64_t size = 0;
};

// Values and gradients live in two arenas, each parameter at a 64-byte boundary, in the
// order: trainable parameters under the training section's L2 penalty, the other
// trainable ones, the frozen ones. The optimiser updates each group in one pass.
class ParamStore {
 public:
  // Zero-filled values and gradients for every parameter of `graph`.
  explicit ParamStore(const graph::Graph& graph);

  // Draws every parameter from its initializer in declaration order with a generator
  // seeded by `seed`: He-normal N(0, 2/fan_in), normal, zeros or a constant.
  void Initialize(uint64_t seed);

  // The trainable parameters with and without weight decay (the L2 penalty), as ranges of
  // the arenas.
  ParamSegment decayed() const { return decayed_; }
  ParamSegment undecayed() const { return undecayed_; }
  const Tensor& value_arena() const { return value_arena_; }
  const Tensor& grad_arena() const { return grad_arena_; }

  Tensor& value(int id) { return values_.at(id); }
  Tensor& grad(int id) { return grads_.at(id); }
  const Tensor& value(int id) const { return values_.at(id); }
  // Parameter value ids in declaration order.
  const std::vector<int>& ids() const { return ids_; }
  const graph::Graph& graph() const { return graph_; }

  // Sets every parameter from an .npz of named arrays (keys "<name>" or "param/<name>",
  // as `graphrun dump` writes them). A missing parameter or a shape mismatch is an error
  // naming the file, the key and both shapes.
  absl::Status LoadNpz(const std::string& path);

 private:
  const graph::Graph& graph_;
  std::vector<int> ids_;
  std::map<int, Tensor> values_;  // views into the arenas
  std::map<int, Tensor> grads_;
  Tensor value_arena_, grad_arena_;
  ParamSegment decayed_, undecayed_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_PARAMS_H_
