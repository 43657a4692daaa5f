#include "runtime/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "graph/status.h"
#include "runtime/executor.h"
#include "runtime/reference_executor.h"

namespace graphrun::runtime {

Diff Compare(const std::vector<double>& got, const std::vector<double>& want) {
  Diff d;
  d.count = static_cast<int64_t>(got.size());
  double scale = 0, sum = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::abs(got[i] - want[i]);
    d.max_abs = std::max(d.max_abs, e);
    sum += e;
    scale = std::max(scale, std::abs(want[i]));
  }
  d.mean_abs = got.empty() ? 0 : sum / static_cast<double>(got.size());
  d.max_rel = scale > 0 ? d.max_abs / scale : d.max_abs;
  return d;
}

namespace {

std::vector<double> ToDouble(const Tensor& t) {
  std::vector<double> v(t.size());
  for (int64_t i = 0; i < t.size(); ++i) v[i] = t.dtype() == proto::INT32 ? t.i32()[i] : t.f32()[i];
  return v;
}

// dObjective/dv[j] by the five-point centred stencil, re-running the reference from
// node `first`. Two step sizes must agree (else a ReLU kink lies within the step):
// tried at h = 1e-4 and, failing that, 1e-6. Returns false for a kink.
bool FiniteDifference(RefExecutor& ref, int v, size_t j, int first, double tolerance, double* out) {
  RefTensor& x = ref.value(v);
  const double x0 = x[j];
  auto f = [&](double step) {
    x[j] = x0 + step;
    ref.Forward(first);
    return ref.Objective();
  };
  auto stencil = [&](double h) {
    return (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h);
  };
  bool ok = false;
  for (double h : {1e-4, 1e-6}) {
    const double a = stencil(h), b = stencil(h / 2);
    if (std::abs(a - b) <= tolerance) {
      *out = b;
      ok = true;
      break;
    }
  }
  x[j] = x0;
  ref.Forward(first);
  return ok;
}

}  // namespace

absl::StatusOr<std::vector<CheckRow>> Gradcheck(const graph::Graph& graph, ParamStore& params,
                                                int64_t batch,
                                                const std::map<int, std::vector<double>>& inputs,
                                                const GradcheckOptions& options) {
  ExecutorOptions exec_options;
  exec_options.batch = batch;
  exec_options.backward = true;
  std::vector<int> all_values;
  for (size_t v = 0; v < graph.values().size(); ++v) {
    if (graph.value(v).kind == graph::Value::Kind::kNodeOutput) all_values.push_back(static_cast<int>(v));
  }
  exec_options.targets = all_values;
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> ex, Executor::Create(graph, &params, exec_options));
  ASSIGN_OR_RETURN(std::unique_ptr<RefExecutor> ref, RefExecutor::Create(graph, batch));

  for (const auto& [id, values] : inputs) {
    Tensor& t = ex->value(id);
    for (int64_t i = 0; i < t.size(); ++i) {
      if (t.dtype() == proto::INT32) {
        t.i32()[i] = static_cast<int32_t>(values[i]);
      } else {
        t.f32()[i] = static_cast<float>(values[i]);
      }
    }
    ref->value(id).data = ToDouble(t);  // both see the same float32 inputs
  }
  for (int id : graph.params()) ref->value(id).data = ToDouble(params.value(id));

  Tape tape;
  RETURN_IF_ERROR(ex->Forward(&tape));
  ex->Backward(tape);
  ref->Forward();
  ref->Backward();

  std::mt19937_64 rng(options.seed);
  auto fd_row = [&](int v, int first, CheckRow* row) {
    const RefTensor& g = ref->grad(v);
    if (!ref->needs_grad(v) || g.size() == 0) return;
    double scale = 0;
    size_t largest = 0;
    for (size_t j = 0; j < g.size(); ++j) {
      if (std::abs(g[j]) > scale) {
        scale = std::abs(g[j]);
        largest = j;
      }
    }
    std::vector<size_t> picks = {largest};
    std::uniform_int_distribution<size_t> pick(0, g.size() - 1);
    while (static_cast<int>(picks.size()) < std::min<int>(options.fd_elements, static_cast<int>(g.size()))) {
      picks.push_back(pick(rng));
    }
    std::vector<double> fd, analytic;
    for (size_t j : picks) {
      double value;
      if (!FiniteDifference(*ref, v, j, first, 0.1 * options.tol_b * std::max(scale, 1e-12), &value)) {
        ++row->kinks;
        continue;
      }
      fd.push_back(value);
      analytic.push_back(g[j]);
    }
    row->has_b = true;
    row->b = Compare(analytic, fd);
    // Normwise over the whole tensor's gradient, not only the sampled elements.
    if (scale > 0) row->b.max_rel = row->b.max_abs / scale;
  };

  std::vector<CheckRow> rows;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (int v : graph.node(n).outputs) {
      const graph::Value& value = graph.value(v);
      if (value.type.dtype != proto::FLOAT32) continue;
      CheckRow row;
      row.tensor = value.name;
      row.shape = value.type.shape.WithBatch(batch).ToString();
      row.has_a = true;
      row.a = Compare(ToDouble(ex->value(v)), ref->value(v).data);
      fd_row(v, static_cast<int>(n) + 1, &row);
      rows.push_back(row);
    }
  }
  for (int id : graph.params()) {
    const graph::Value& value = graph.value(id);
    if (!value.trainable) continue;
    CheckRow row;
    row.tensor = "grad/" + value.name;
    row.shape = value.type.shape.ToString();
    row.has_a = true;
    row.a = Compare(ToDouble(ex->grad(id)), ref->grad(id).data);
    int first = static_cast<int>(graph.nodes().size());
    for (int c : value.consumers) first = std::min(first, c);
    fd_row(id, first, &row);
    rows.push_back(row);
  }
  return rows;
}

bool Passes(const std::vector<CheckRow>& rows, const GradcheckOptions& options) {
  for (const CheckRow& r : rows) {
    if (r.has_a && !(r.a.max_rel <= options.tol_a)) return false;
    if (r.has_b && !(r.b.max_rel <= options.tol_b)) return false;
  }
  return true;
}

}  // namespace graphrun::runtime
