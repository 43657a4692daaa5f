// argmax: the index of the largest score per row (the first one on ties), for
// predictions and accuracy. No gradient, on purpose. oneDNN has no arg-reduction
// primitive, so this integer bookkeeping of evaluation is a plain loop.
#include <algorithm>

#include "ops/shape_util.h"
#include "runtime/kernel.h"
#include "runtime/reference.h"

namespace graphrun::ops {
namespace {

absl::StatusOr<std::vector<graph::TensorType>> ArgmaxShape(const graph::ShapeContext& ctx) {
  if (auto s = ExpectRank(ctx, 0, "input x", 2); !s.ok()) return s;
  if (auto s = ExpectDType(ctx, 0, "input x", proto::FLOAT32); !s.ok()) return s;
  return std::vector<graph::TensorType>{
      {proto::INT32, graph::Shape({ctx.inputs[0].shape.dim(0)})}};
}

class ArgmaxKernel : public runtime::Kernel {
 public:
  absl::Status Prepare(const runtime::KernelContext& ctx) override {
    x_ = ctx.in[0];
    y_ = ctx.out[0];
    return absl::OkStatus();
  }
  absl::Status Forward(dnnl::stream& stream) override {
    stream.wait();  // the scores come from primitives that may still run
    const int64_t n = x_.shape().dim(0), k = x_.shape().dim(1);
    for (int64_t i = 0; i < n; ++i) {
      const float* row = x_.f32() + i * k;
      y_.i32()[i] = static_cast<int32_t>(std::max_element(row, row + k) - row);
    }
    return absl::OkStatus();
  }
  void Backward(dnnl::stream&) override {}

 private:
  runtime::Tensor x_, y_;
};

class ArgmaxReference : public runtime::RefKernel {
 public:
  void Forward(const graph::Attrs&, const runtime::RefInputs& in,
               const runtime::RefOutputs& out) const override {
    const int64_t n = in[0]->shape.dim(0), k = in[0]->shape.dim(1);
    for (int64_t i = 0; i < n; ++i) {
      const double* row = &in[0]->data[i * k];
      (*out[0])[i] = static_cast<double>(std::max_element(row, row + k) - row);
    }
  }
  void Backward(const graph::Attrs&, const runtime::RefInputs&, const runtime::RefInputs&,
                const runtime::RefInputs&, const runtime::RefOutputs&) const override {}
};

}  // namespace

GRAPHRUN_REGISTER_OP(argmax)
    .Doc("Index of the largest entry of each row: [N, K] -> [N] (i32). No gradient.")
    .Input("x", "[N, K]")
    .Output("index", "[N]")
    .Shape(ArgmaxShape)
    .NoGradient()
    .Kernel<ArgmaxKernel>()
    .Reference<ArgmaxReference>();

}  // namespace graphrun::ops
