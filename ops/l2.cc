// l2: the weight-decay penalty λ·Σ_i ‖W_i‖² over its inputs (graphrun adds it from the
// training section's `l2`);  dL/dW_i = 2λ·g·W_i  (g = dL/d penalty).
// On oneDNN: ‖W‖² is one matmul of W seen as a row with itself as a column, scaled by
// λ and summed into the penalty with a sum post-op; the gradient is one binary
// multiplication by the scalar 2λg.
#include "ops/shape_util.h"
#include "runtime/dnnl_util.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

using namespace runtime;  // NOLINT: kernels are written in the runtime's vocabulary

absl::StatusOr<std::vector<graph::TensorType>> L2Shape(const graph::ShapeContext& ctx) {
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (ctx.inputs[i].dtype != proto::FLOAT32) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", i, " must be f32, got ", ctx.inputs[i].ToString()));
    }
  }
  return std::vector<graph::TensorType>{{proto::FLOAT32, graph::Shape()}};
}

class L2Kernel : public Kernel {
 public:
  absl::Status Prepare(const KernelContext& ctx) override {
    const auto& e = ctx.engine;
    lambda_ = static_cast<float>(ctx.attrs().GetFloat("lambda"));
    const dnnl::memory::desc scalar = Matrix(1, 1);
    for (size_t i = 0; i < ctx.in.size(); ++i) {
      const int64_t n = ctx.in[i].size();
      const dnnl::memory::desc row = Matrix(1, n), column = Matrix(n, 1);
      // penalty (+)= λ · w·w
      const bool add = i > 0;
      ASSIGN_OR_RETURN(dnnl::primitive p,
                       CachedPrimitive(ctx, absl::StrCat(Key("l2", add ? "fwd+" : "fwd", n), "/", lambda_), [&] {
                         dnnl::primitive_attr attr = AccumulateAttr(add);
                         attr.set_output_scales(0, {lambda_});
                         return dnnl::matmul(dnnl::matmul::primitive_desc(
                             dnnl::matmul::desc(row, column, scalar), attr, e));
                       }));
      forward_.push_back(Step{p, {{DNNL_ARG_SRC, Mem(ctx.in[i], row, e)},
                                  {DNNL_ARG_WEIGHTS, Mem(ctx.in[i], column, e)},
                                  {DNNL_ARG_DST, Mem(ctx.out[0], scalar, e)}}});
    }
    if (!ctx.training) return absl::OkStatus();
    d_penalty_ = ctx.d_out[0];
    scale_ = Tensor::Allocate({proto::FLOAT32, graph::Shape({1})});
    for (size_t i = 0; i < ctx.in.size(); ++i) {
      if (ctx.d_in[i].empty()) continue;
      const int64_t n = ctx.in[i].size();
      const dnnl::memory::desc v({n}, dt::f32, tag::a), s({1}, dt::f32, tag::a);
      const bool acc = ctx.accumulate[i];
      ASSIGN_OR_RETURN(dnnl::primitive p, CachedPrimitive(ctx, Key("l2", acc ? "bwd+" : "bwd", n), [&] {
        return dnnl::binary(dnnl::binary::primitive_desc(
            dnnl::binary::desc(dnnl::algorithm::binary_mul, v, s, v), AccumulateAttr(acc), e));
      }));
      backward_.push_back(Step{p, {{DNNL_ARG_SRC_0, Mem(ctx.in[i], v, e)},
                                   {DNNL_ARG_SRC_1, Mem(scale_, s, e)},
                                   {DNNL_ARG_DST, Mem(ctx.d_in[i], v, e)}}});
    }
    return absl::OkStatus();
  }

  absl::Status Forward(dnnl::stream& stream) override {
    for (const Step& s : forward_) s.Run(stream);
    return absl::OkStatus();
  }
  void Backward(dnnl::stream& stream) override {
    scale_.f32()[0] = 2 * lambda_ * d_penalty_.f32()[0];
    for (const Step& s : backward_) s.Run(stream);
  }

 private:
  float lambda_ = 0;
  Tensor d_penalty_, scale_;
  std::vector<Step> forward_, backward_;
};

class L2Reference : public RefKernel {
 public:
  void Forward(const graph::Attrs& attrs, const RefInputs& in, const RefOutputs& out) const override {
    double sum = 0;
    for (const RefTensor* w : in) {
      for (double x : w->data) sum += x * x;
    }
    (*out[0])[0] = attrs.GetFloat("lambda") * sum;
  }
  void Backward(const graph::Attrs& attrs, const RefInputs& in, const RefInputs&,
                const RefInputs& d_out, const RefOutputs& d_in) const override {
    const double scale = 2 * attrs.GetFloat("lambda") * (*d_out[0])[0];
    for (size_t i = 0; i < in.size(); ++i) {
      if (d_in[i] == nullptr) continue;
      for (size_t j = 0; j < in[i]->size(); ++j) (*d_in[i])[j] += scale * (*in[i])[j];
    }
  }
};

}  // namespace

GRAPHRUN_REGISTER_OP(l2)
    .Doc("λ·Σ‖W‖² over the inputs.")
    .VariadicInput("w", "tensors to penalise")
    .Output("penalty", "scalar")
    .Attr(graph::AttrSpec::Float("lambda", "λ").Range(0))
    .Shape(L2Shape)
    .Kernel<L2Kernel>()
    .Reference<L2Reference>();

}  // namespace graphrun::ops
