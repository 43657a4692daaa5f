// softmax_xent: softmax of the logits and the mean cross-entropy against integer
// labels, fused (its gradient comes from the probabilities it already computed).
//
// Label smoothing ε, two conventions (attr `smoothing`):
//   "study"   (default, the DD2424 study): target 1−ε on the true class, ε/(K−1) on each
//             other class;
//   "uniform" (PyTorch, Keras): target 1−ε+ε/K on the true class, ε/K on the others.
#include "ops/shape_util.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> SoftmaxXentShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "logits", 2); !s.ok()) return s;
  if (auto s = ExpectRank(ctx, 1, "labels", 1); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "logits", proto::FLOAT32); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 1, "labels", proto::INT32); !s.ok()) return s;
  const graph::Shape& logits = ctx.inputs[0].shape;
  const graph::Shape& labels = ctx.inputs[1].shape;
  if (logits.dim(0) != labels.dim(0)) {
    return absl::InvalidArgumentError(absl::StrCat("logits (", logits.ToString(), ") and labels (",
                                                   labels.ToString(), ") differ in batch size"));
  }
  if (logits.dim(1) < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("needs at least 2 classes, logits are ", logits.ToString()));
  }
  return std::vector<graph::TensorType>{{proto::FLOAT32, graph::Shape()}, ctx.inputs[0]};
}

int64_t SoftmaxXentFlops(const graph::ShapeContext& ctx, const std::vector<graph::TensorType>&) {
  return 5 * ctx.inputs[0].shape.NumElements();
}

}  // namespace

GRAPHRUN_REGISTER_OP(softmax_xent)
    .Doc("Mean softmax cross-entropy over the batch, with optional label smoothing.")
    .Input("logits", "[N, K] class scores")
    .NonDifferentiableInput("labels", "[N] integer classes in [0, K)")
    .Output("loss", "scalar mean cross-entropy")
    .Output("probs", "[N, K] softmax probabilities")
    .Attr(graph::AttrSpec::Float("label_smoothing", "ε").Default(0.0).Range(0, 1, true))
    .Attr(graph::AttrSpec::String("smoothing", "where ε goes: study = ε/(K−1) on the other "
                                               "classes; uniform = ε/K on every class (PyTorch)")
              .Default(std::string("study"))
              .Choices({"study", "uniform"}))
    .Shape(SoftmaxXentShape)
    .Flops(SoftmaxXentFlops);

}  // namespace graphrun::ops
