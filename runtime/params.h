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

class ParamStore {
 public:
  // Zero-filled values and gradients for every parameter of `graph`.
  explicit ParamStore(const graph::Graph& graph);

  // Draws every parameter from its initializer in declaration order with a generator
  // seeded by `seed`: He-normal N(0, 2/fan_in), normal, zeros or a constant.
  void Initialize(uint64_t seed);

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
  std::map<int, Tensor> values_;
  std::map<int, Tensor> grads_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_PARAMS_H_
