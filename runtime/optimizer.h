// Stochastic gradient descent on the parameter store, on oneDNN: for each trainable
// parameter one binary primitive W ← W + (−η)·g (the rate a runtime scalar, the addition
// a sum post-op), with heavy-ball momentum v ← μ·v + g first when μ > 0.
#ifndef GRAPHRUN_RUNTIME_OPTIMIZER_H_
#define GRAPHRUN_RUNTIME_OPTIMIZER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/dnnl_util.h"
#include "runtime/params.h"

namespace graphrun::runtime {

class Sgd {
 public:
  static absl::StatusOr<std::unique_ptr<Sgd>> Create(ParamStore* params, const proto::Sgd& config);

  // One update with learning rate `rate` from the gradients in the store.
  void Update(double rate);
  // Momentum buffers by parameter value id (empty without momentum), for checkpoints.
  std::vector<std::pair<int, Tensor>> state() const;

 private:
  Sgd() = default;
  ParamStore* params_ = nullptr;
  Tensor negative_rate_;  // 1 element: −η
  std::vector<Step> momentum_, update_;
  std::vector<std::pair<int, Tensor>> velocity_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_OPTIMIZER_H_
