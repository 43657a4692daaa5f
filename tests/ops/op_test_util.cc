#include "tests/ops/op_test_util.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "gtest/gtest.h"
#include "runtime/engine.h"
#include "runtime/kernel.h"

namespace graphrun::testing {

using runtime::RefTensor;
using runtime::Tensor;

double NormwiseRelative(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return scale == 0 ? diff : diff / scale;
}

namespace {

std::vector<double> ToDouble(const Tensor& t) {
  std::vector<double> v(t.size());
  for (int64_t i = 0; i < t.size(); ++i) {
    v[i] = t.dtype() == proto::INT32 ? t.i32()[i] : t.f32()[i];
  }
  return v;
}

void Fill(const std::vector<double>& v, Tensor* t) {
  for (int64_t i = 0; i < t->size(); ++i) {
    if (t->dtype() == proto::INT32) {
      t->i32()[i] = static_cast<int32_t>(v[i]);
    } else {
      t->f32()[i] = static_cast<float>(v[i]);
    }
  }
}

// Σ_k Σ out_k ⊙ w_k: the scalar whose gradient the reference backward computes.
double Weighted(const runtime::RefKernel& ref, const graph::Attrs& attrs,
                const std::vector<RefTensor>& in, std::vector<RefTensor> out,
                const std::vector<RefTensor>& weights, const std::vector<bool>& out_diff) {
  runtime::RefInputs pin;
  runtime::RefOutputs pout;
  for (const RefTensor& t : in) pin.push_back(&t);
  for (RefTensor& t : out) {
    std::fill(t.data.begin(), t.data.end(), 0.0);
    pout.push_back(&t);
  }
  ref.Forward(attrs, pin, pout);
  double sum = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    if (!out_diff[k]) continue;
    for (size_t j = 0; j < out[k].size(); ++j) sum += out[k][j] * weights[k][j];
  }
  return sum;
}

}  // namespace

OpCheck CheckOp(const OpCase& c, uint64_t seed) {
  OpCheck result;
  const graph::OpDef* op = graph::OpRegistry::Global().Find(c.op);
  EXPECT_NE(op, nullptr) << c.op;
  if (op == nullptr) return result;
  graph::Node node;
  node.name = "under_test";
  node.op = op;
  for (const auto& [name, value] : c.attrs) node.attrs.Set(name, value);
  for (const graph::AttrSpec& spec : op->attrs) {
    if (!node.attrs.Has(spec.name) && spec.default_value) node.attrs.Set(spec.name, *spec.default_value);
  }
  absl::StatusOr<std::vector<graph::TensorType>> out_types =
      op->shape(graph::ShapeContext{c.inputs, node.attrs});
  EXPECT_TRUE(out_types.ok()) << c.op << ": " << out_types.status();
  if (!out_types.ok()) return result;

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto draw = c.draw ? c.draw : [&](int, std::mt19937_64& r) {
    const double x = normal(r);
    return x >= 0 ? x + 0.05 : x - 0.05;
  };
  const size_t n_in = c.inputs.size(), n_out = out_types->size();
  std::vector<RefTensor> ref_in;
  std::vector<Tensor> in;
  std::vector<bool> in_diff(n_in), out_diff(n_out);
  for (size_t i = 0; i < n_in; ++i) {
    RefTensor t = RefTensor::Zeros(c.inputs[i].shape);
    for (double& x : t.data) x = draw(static_cast<int>(i), rng);
    in.push_back(Tensor::Allocate(c.inputs[i]));
    Fill(t.data, &in.back());
    t.data = ToDouble(in.back());  // the reference sees exactly the float inputs
    ref_in.push_back(std::move(t));
    in_diff[i] = !op->no_gradient && op->inputs[std::min(i, op->inputs.size() - 1)].differentiable &&
                 c.inputs[i].dtype == proto::FLOAT32;
  }
  std::vector<RefTensor> ref_out, weights;
  std::vector<Tensor> out, d_out;
  for (size_t k = 0; k < n_out; ++k) {
    ref_out.push_back(RefTensor::Zeros((*out_types)[k].shape));
    out.push_back(Tensor::Allocate((*out_types)[k]));
    out_diff[k] = !op->no_gradient && op->outputs[k].differentiable;
    RefTensor w = RefTensor::Zeros((*out_types)[k].shape);
    for (double& x : w.data) x = normal(rng);
    Tensor dw = Tensor::Allocate((*out_types)[k]);
    if (out_diff[k]) {
      Fill(w.data, &dw);
      w.data = ToDouble(dw);
    } else {
      std::fill(w.data.begin(), w.data.end(), 0.0);
      dw = Tensor();
    }
    weights.push_back(std::move(w));
    d_out.push_back(dw);
  }

  // Reference forward and backward.
  std::unique_ptr<runtime::RefKernel> ref = op->reference();
  runtime::RefInputs pin, pout_c, pdout;
  runtime::RefOutputs pout, pdin;
  std::vector<RefTensor> ref_din;
  for (const RefTensor& t : ref_in) pin.push_back(&t);
  for (RefTensor& t : ref_out) {
    pout.push_back(&t);
    pout_c.push_back(&t);
  }
  ref->Forward(node.attrs, pin, pout);
  for (size_t k = 0; k < n_out; ++k) pdout.push_back(out_diff[k] ? &weights[k] : nullptr);
  for (size_t i = 0; i < n_in; ++i) ref_din.push_back(RefTensor::Zeros(c.inputs[i].shape));
  for (size_t i = 0; i < n_in; ++i) pdin.push_back(in_diff[i] ? &ref_din[i] : nullptr);
  if (!op->no_gradient) ref->Backward(node.attrs, pin, pout_c, pdout, pdin);

  // The oneDNN kernel, first overwriting the gradients, then adding into them.
  for (int accumulate = 0; accumulate < 2; ++accumulate) {
    runtime::KernelContext ctx;
    ctx.node = &node;
    ctx.engine = runtime::CpuEngine().engine;
    ctx.in = in;
    ctx.out = out;
    ctx.training = !op->no_gradient;
    ctx.d_out = d_out;
    std::vector<Tensor> d_in;
    for (size_t i = 0; i < n_in; ++i) {
      d_in.push_back(in_diff[i] ? Tensor::Allocate(c.inputs[i]) : Tensor());
      if (in_diff[i] && accumulate) std::fill(d_in[i].f32(), d_in[i].f32() + d_in[i].size(), 1.f);
    }
    ctx.d_in = d_in;
    ctx.accumulate.assign(n_in, accumulate == 1);
    std::unique_ptr<runtime::Kernel> kernel = op->kernel();
    absl::Status prepared = kernel->Prepare(ctx);
    EXPECT_TRUE(prepared.ok()) << prepared;
    if (!prepared.ok()) return result;
    dnnl::stream& stream = runtime::CpuEngine().stream;
    absl::Status forward = kernel->Forward(stream);
    EXPECT_TRUE(forward.ok()) << forward;
    stream.wait();
    if (!accumulate) {
      for (size_t k = 0; k < n_out; ++k) {
        result.forward_rel = std::max(result.forward_rel, NormwiseRelative(ToDouble(out[k]), ref_out[k].data));
      }
    }
    if (op->no_gradient) break;
    kernel->Backward(stream);
    stream.wait();
    for (size_t i = 0; i < n_in; ++i) {
      if (!in_diff[i]) continue;
      // Accumulating into ones must give 1 + the gradient.
      std::vector<double> expected = ref_din[i].data;
      if (accumulate) {
        for (double& x : expected) x += 1.0;
      }
      double& slot = accumulate ? result.accumulate_rel : result.backward_rel;
      slot = std::max(slot, NormwiseRelative(ToDouble(d_in[i]), expected));
    }
  }

  // Centred finite differences of the reference (on up to 24 elements per input).
  if (!op->no_gradient) {
    const double h = 1e-6;
    for (size_t i = 0; i < n_in; ++i) {
      if (!in_diff[i]) continue;
      std::vector<double> fd, analytic;
      const size_t n = ref_in[i].size();
      const size_t stride = std::max<size_t>(1, n / 24);
      for (size_t j = 0; j < n; j += stride) {
        std::vector<RefTensor> plus = ref_in, minus = ref_in;
        plus[i][j] += h;
        minus[i][j] -= h;
        fd.push_back((Weighted(*ref, node.attrs, plus, ref_out, weights, out_diff) -
                      Weighted(*ref, node.attrs, minus, ref_out, weights, out_diff)) /
                     (2 * h));
        analytic.push_back(ref_din[i][j]);
      }
      result.fd_rel = std::max(result.fd_rel, NormwiseRelative(fd, analytic));
    }
  }
  return result;
}

}  // namespace graphrun::testing
