// softmax_xent: softmax of the logits and the mean cross-entropy against integer
// labels, fused (its gradient comes from the probabilities it already computed).
//
// Label smoothing ε, two conventions (attr `smoothing`):
//   "study"   (default, the DD2424 study): target 1−ε on the true class, ε/(K−1) on each
//             other class;
//   "uniform" (PyTorch, Keras): target 1−ε+ε/K on the true class, ε/K on the others.
//
// With targets t (one-hot or smoothed) and p = softmax(z):
//   loss = −(1/N) Σ_i Σ_k t_ik log p_ik,    dL/dz = (g/N) (p − t)   (g = dL/d loss).
// On oneDNN: logsoftmax, exp for p, and the loss as one matmul vec(t)·vec(log p) scaled by
// −1/N; backward is one binary subtraction with the scale as a post-op. The probs output
// carries no gradient (as TensorFlow's fused op): consumers read it as data.
#include <algorithm>
#include <cmath>

#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

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

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

// Target probabilities of the true class and of every other class.
struct Targets {
  double on, off;
};

Targets SmoothedTargets(const graph::Attrs& attrs, int64_t classes) {
  const double eps = attrs.GetFloat("label_smoothing");
  if (attrs.GetString("smoothing") == "uniform") {
    return {1 - eps + eps / classes, eps / classes};
  }
  return {1 - eps, eps / (classes - 1)};
}

class SoftmaxXentKernel : public Kernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    node_ = ctx.node;
    labels_ = ctx.in[1];
    n_ = ctx.in[0].shape().dim(0);
    k_ = ctx.in[0].shape().dim(1);
    targets_ = SmoothedTargets(ctx.attrs(), k_);
    const auto& e = ctx.engine;
    t_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({n_, k_})});
    logp_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({n_, k_})});
    const dnnl::memory::desc z = Matrix(n_, k_);
    const auto prop = ctx.training ? dnnl::prop_kind::forward_training
                                   : dnnl::prop_kind::forward_inference;
    ASSIGN_OR_RETURN(dnnl::primitive logsoftmax,
                     CachedPrimitive(ctx, Key("softmax_xent", "logsoftmax", n_, k_, ctx.training), [&] {
                       return dnnl::logsoftmax_forward(dnnl::logsoftmax_forward::primitive_desc(
                           dnnl::logsoftmax_forward::desc(prop, z, 1), e));
                     }));
    forward_.push_back(Step{logsoftmax, {{DNNL_ARG_SRC, Mem(ctx.in[0], z, e)},
                                         {DNNL_ARG_DST, Mem(logp_, z, e)}}});
    ASSIGN_OR_RETURN(dnnl::primitive exp, CachedPrimitive(ctx, Key("softmax_xent", "exp", n_, k_), [&] {
      return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference,
                                      dnnl::algorithm::eltwise_exp, z, 0.f),
          e));
    }));
    forward_.push_back(Step{exp, {{DNNL_ARG_SRC, Mem(logp_, z, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[1], z, e)}}});
    // loss = −(1/N) · vec(t) · vec(log p)
    const dnnl::memory::desc row = Matrix(1, n_ * k_), column = Matrix(n_ * k_, 1),
                             scalar = Matrix(1, 1);
    ASSIGN_OR_RETURN(dnnl::primitive dot, CachedPrimitive(ctx, Key("softmax_xent", "loss", n_, k_), [&] {
      dnnl::primitive_attr attr;
      attr.set_output_scales(0, {-1.f / static_cast<float>(n_)});
      return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(row, column, scalar), attr, e));
    }));
    forward_.push_back(Step{dot, {{DNNL_ARG_SRC, Mem(t_, row, e)},
                                  {DNNL_ARG_WEIGHTS, Mem(logp_, column, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], scalar, e)}}});
    if (!ctx.training || ctx.d_in[0].empty()) return absl::OkStatus();
    // dL/dz = (p − t) · (g/N), added when accumulating.
    d_loss_ = ctx.d_out[0];
    scale_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({1, 1})});
    const bool acc = ctx.accumulate[0];
    ASSIGN_OR_RETURN(dnnl::primitive bwd,
                     CachedPrimitive(ctx, Key("softmax_xent", acc ? "bwd+" : "bwd", n_, k_), [&] {
                       dnnl::post_ops ops;
                       ops.append_binary(dnnl::algorithm::binary_mul, scalar);
                       if (acc) ops.append_sum(1.f);
                       dnnl::primitive_attr attr;
                       attr.set_post_ops(ops);
                       return dnnl::binary(dnnl::binary::primitive_desc(
                           dnnl::binary::desc(dnnl::algorithm::binary_sub, z, z, z), attr, e));
                     }));
    backward_ = Step{bwd, {{DNNL_ARG_SRC_0, Mem(ctx.out[1], z, e)},
                           {DNNL_ARG_SRC_1, Mem(t_, z, e)},
                           {DNNL_ARG_DST, Mem(ctx.d_in[0], z, e)},
                           {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, Mem(scale_, scalar, e)}}};
    return absl::OkStatus();
  }

  absl::Status Forward(dnnl::stream& stream) override {
    // The targets: a (smoothed) one-hot row per label.
    const int32_t* labels = labels_.i32();
    float* t = t_.f32();
    for (int64_t i = 0; i < n_; ++i) {
      const int32_t y = labels[i];
      if (y < 0 || y >= k_) {
        return absl::InvalidArgumentError(absl::StrCat("node '", node_->name,
                                                       "' (softmax_xent): label ", y, " of sample ",
                                                       i, " is outside [0, ", k_, ")"));
      }
      std::fill(t + i * k_, t + (i + 1) * k_, static_cast<float>(targets_.off));
      t[i * k_ + y] = static_cast<float>(targets_.on);
    }
    for (const Step& s : forward_) s.Run(stream);
    return absl::OkStatus();
  }

  void Backward(dnnl::stream& stream) override {
    scale_.f32()[0] = d_loss_.f32()[0] / static_cast<float>(n_);
    backward_.Run(stream);
  }

 private:
  const graph::Node* node_ = nullptr;
  Tensor labels_, t_, logp_, scale_, d_loss_;
  int64_t n_ = 0, k_ = 0;
  Targets targets_{};
  std::vector<Step> forward_;
  Step backward_;
};

class SoftmaxXentReference : public RefKernel {
 public:
  void Forward(const graph::Attrs& attrs, const RefInputs& in, const RefOutputs& out) const override {
    const int64_t n = in[0]->shape.dim(0), k = in[0]->shape.dim(1);
    const Targets t = SmoothedTargets(attrs, k);
    double loss = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double* z = &in[0]->data[i * k];
      const double zmax = *std::max_element(z, z + k);
      double sum = 0;
      for (int64_t j = 0; j < k; ++j) sum += std::exp(z[j] - zmax);
      const int64_t y = static_cast<int64_t>((*in[1])[i]);
      for (int64_t j = 0; j < k; ++j) {
        const double log_p = z[j] - zmax - std::log(sum);
        (*out[1])[i * k + j] = std::exp(log_p);
        loss -= (j == y ? t.on : t.off) * log_p;
      }
    }
    (*out[0])[0] = loss / static_cast<double>(n);
  }
  void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs& out,
                const RefInputs& d_out, const RefOutputs& d_in) const override {
    if (d_in[0] == nullptr) return;
    const int64_t n = in[0]->shape.dim(0), k = in[0]->shape.dim(1);
    const Targets t = SmoothedTargets(attrs, k);
    const double scale = (*d_out[0])[0] / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t y = static_cast<int64_t>((*in[1])[i]);
      for (int64_t j = 0; j < k; ++j) {
        (*d_in[0])[i * k + j] += scale * ((*out[1])[i * k + j] - (j == y ? t.on : t.off));
      }
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(softmax_xent)
    .Doc("Mean softmax cross-entropy over the batch, with optional label smoothing.")
    .Input("logits", "[N, K] class scores")
    .NonDifferentiableInput("labels", "[N] integer classes in [0, K)")
    .Output("loss", "scalar mean cross-entropy")
    .NonDifferentiableOutput("probs", "[N, K] softmax probabilities (no gradient flows back)")
    .Attr(graph::AttrSpec::Float("label_smoothing", "ε").Default(0.0).Range(0, 1, true))
    .Attr(graph::AttrSpec::String("smoothing", "where ε goes: study = ε/(K−1) on the other "
                                               "classes; uniform = ε/K on every class (PyTorch)")
              .Default(std::string("study"))
              .Choices({"study", "uniform"}))
    .Shape(SoftmaxXentShape)
    .Flops(SoftmaxXentFlops)
    .Kernel<SoftmaxXentKernel>()
    .Reference<SoftmaxXentReference>();

}  // namespace graphrun::ops
