#include "runtime/reference_executor.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace graphrun::runtime {

std::vector<bool> ValuesNeedingGradient(const graph::Graph& graph, const std::vector<int>& nodes,
                                        const std::vector<int>& objective) {
  const int n_values = static_cast<int>(graph.values().size());
  // Forward: values that depend on a trainable parameter through differentiable inputs.
  std::vector<bool> depends(n_values, false);
  for (int id : graph.params()) depends[id] = graph.value(id).trainable;
  for (int n : nodes) {
    const graph::Node& node = graph.node(n);
    if (node.op->no_gradient) continue;
    bool any = false;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const size_t spec = std::min(i, node.op->inputs.size() - 1);
      if (node.op->inputs[spec].differentiable && depends[node.inputs[i]]) any = true;
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      depends[node.outputs[k]] = any && node.op->outputs[k].differentiable;
    }
  }
  // Backward: values from which the objective is reached.
  std::vector<bool> leads(n_values, false);
  for (int v : objective) leads[v] = true;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    const graph::Node& node = graph.node(*it);
    if (node.op->no_gradient) continue;
    bool any = false;
    for (int v : node.outputs) any = any || leads[v];
    if (!any) continue;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const size_t spec = std::min(i, node.op->inputs.size() - 1);
      if (node.op->inputs[spec].differentiable) leads[node.inputs[i]] = true;
    }
  }
  std::vector<bool> needs(n_values);
  for (int v = 0; v < n_values; ++v) needs[v] = depends[v] && leads[v];
  return needs;
}

absl::StatusOr<std::unique_ptr<RefExecutor>> RefExecutor::Create(const graph::Graph& graph,
                                                                 int64_t batch) {
  std::unique_ptr<RefExecutor> ex(new RefExecutor(graph));
  for (const graph::Value& v : graph.values()) {
    ex->values_.push_back(RefTensor::Zeros(v.type.shape.WithBatch(batch)));
  }
  ex->grads_ = ex->values_;
  for (const graph::Node& node : graph.nodes()) {
    if (!node.op->reference) {
      return absl::UnimplementedError(
          absl::StrCat("op '", node.op->name, "' has no reference kernel"));
    }
    ex->kernels_.push_back(node.op->reference());
  }
  std::vector<int> all(graph.nodes().size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  ex->needs_grad_ = ValuesNeedingGradient(graph, all, graph.objective());
  return ex;
}

void RefExecutor::Forward(int first) {
  for (size_t n = first; n < graph_.nodes().size(); ++n) {
    const graph::Node& node = graph_.node(n);
    RefInputs in;
    RefOutputs out;
    for (int v : node.inputs) in.push_back(&values_[v]);
    for (int v : node.outputs) {
      std::fill(values_[v].data.begin(), values_[v].data.end(), 0.0);
      out.push_back(&values_[v]);
    }
    kernels_[n]->Forward(node.attrs, in, out);
  }
}

double RefExecutor::Objective() const {
  double sum = 0;
  for (int v : graph_.objective()) sum += values_[v][0];
  return sum;
}

void RefExecutor::Backward() {
  for (RefTensor& g : grads_) std::fill(g.data.begin(), g.data.end(), 0.0);
  for (int v : graph_.objective()) grads_[v][0] = 1.0;
  for (int n = static_cast<int>(graph_.nodes().size()) - 1; n >= 0; --n) {
    const graph::Node& node = graph_.node(n);
    RefOutputs d_in;
    bool any = false;
    for (int v : node.inputs) {
      d_in.push_back(needs_grad_[v] ? &grads_[v] : nullptr);
      any = any || needs_grad_[v];
    }
    if (!any || node.op->no_gradient) continue;
    RefInputs in, out, d_out;
    for (int v : node.inputs) in.push_back(&values_[v]);
    for (int v : node.outputs) {
      out.push_back(&values_[v]);
      d_out.push_back(needs_grad_[v] ? &grads_[v] : nullptr);
    }
    kernels_[n]->Backward(node.attrs, in, out, d_out, d_in);
  }
}

}  // namespace graphrun::runtime
