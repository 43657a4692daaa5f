// Stochastic gradient descent on the parameter store, on oneDNN. With the L2 penalty
// λ·Σ‖W‖² applied as weight decay (its gradient 2λW folded into the update, as
// PyTorch's weight_decay), each group of the parameter arena takes one binary primitive
// per step:
//   W ← (1 − 2ηλ)·W − η·g          (λ = 0 for the parameters without decay)
// with the two factors runtime scales of the primitive's inputs. With heavy-ball
// momentum μ: v ← μ·v + g (+ 2λW), then W ← W − η·v.
#ifndef GRAPHRUN_RUNTIME_OPTIMIZER_H_
#define GRAPHRUN_RUNTIME_OPTIMIZER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/dnnl_util.h"
#include "runtime/params.h"

namespace graphrun::runtime {

class Sgd {
 public:
  // `weight_decay` is λ of the L2 penalty on params->decayed() (0: none).
  static absl::StatusOr<std::unique_ptr<Sgd>> Create(ParamStore* params, const proto::Sgd& config,
                                                     double weight_decay);

  // One update with learning rate `rate` from the gradients in the store.
  void Update(double rate);
  // Momentum buffers by parameter value id (empty without momentum), for checkpoints.
  std::vector<std::pair<int, Tensor>> state() const;

 private:
  Sgd() = default;
  // dst = a·x + b·y with runtime scalars a, b (each a 1-element tensor).
  absl::Status AddScaled(const Tensor& x, const Tensor& a, const Tensor& y, const Tensor& b,
                         const Tensor& dst, int64_t offset, int64_t size);

  double weight_decay_ = 0;
  float momentum_ = 0;
  // Runtime scalars: keep (1 − 2ηλ), −η, 1, μ, 2λ.
  Tensor keep_, minus_rate_, one_, mu_, two_lambda_;
  Tensor velocity_arena_;
  std::vector<Step> steps_;
  std::vector<std::pair<int, Tensor>> velocity_;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_OPTIMIZER_H_
