#include "runtime/executor.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/engine.h"
#include "runtime/reference_executor.h"

namespace graphrun::runtime {

namespace {

bool Differentiable(const graph::Node& node, size_t input) {
  if (node.op->no_gradient) return false;
  return node.op->inputs[std::min(input, node.op->inputs.size() - 1)].differentiable;
}

graph::TensorType Concrete(const graph::TensorType& type, int64_t batch) {
  return graph::TensorType{type.dtype, type.shape.WithBatch(batch)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(const graph::Graph& graph,
                                                           ParamStore* params,
                                                           const ExecutorOptions& options) {
  if (options.batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch size ", options.batch, " must be >= 1"));
  }
  std::unique_ptr<Executor> ex(new Executor(graph, options));
  if (ex->options_.targets.empty()) ex->options_.targets = graph.objective();
  if (options.backward) {
    for (int v : graph.objective()) ex->options_.targets.push_back(v);
  }
  ex->nodes_ = graph.NodesFor(ex->options_.targets);
  RETURN_IF_ERROR(ex->PlanValues(params));
  RETURN_IF_ERROR(ex->PlanGradients(params));
  RETURN_IF_ERROR(ex->PrepareKernels());
  return ex;
}

absl::Status Executor::PlanValues(ParamStore* params) {
  const int64_t batch = options_.batch;
  values_.assign(graph_.values().size(), Tensor());
  for (int id : graph_.params()) values_[id] = params->value(id);
  for (int id : graph_.inputs()) values_[id] = Tensor::Allocate(Concrete(graph_.value(id).type, batch));
  for (int n : nodes_) {
    const graph::Node& node = graph_.node(n);
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const graph::TensorType type = Concrete(graph_.value(node.outputs[k]).type, batch);
      if (k == 0 && node.op->forward_alias) {
        values_[node.outputs[k]] = values_[node.inputs[0]].Reshaped(type.shape);
      } else {
        values_[node.outputs[k]] = Tensor::Allocate(type);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::PlanGradients(ParamStore* params) {
  const size_t n_values = graph_.values().size();
  grads_.assign(n_values, Tensor());
  needs_grad_.assign(n_values, false);
  accumulate_.assign(graph_.nodes().size(), {});
  backward_.assign(graph_.nodes().size(), false);
  if (!options_.backward) return absl::OkStatus();
  needs_grad_ = ValuesNeedingGradient(graph_, nodes_);

  // How many nodes write each gradient: the objective's seed counts as one.
  std::vector<int> writers(n_values, 0);
  for (int v : graph_.objective()) ++writers[v];
  for (int n : nodes_) {
    const graph::Node& node = graph_.node(n);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (Differentiable(node, i) && needs_grad_[node.inputs[i]]) ++writers[node.inputs[i]];
    }
  }
  auto allocate = [&](int v) {
    if (!grads_[v].empty()) return;
    grads_[v] = graph_.value(v).kind == graph::Value::Kind::kParam
                    ? params->grad(v)
                    : Tensor::Allocate(Concrete(graph_.value(v).type, options_.batch));
  };
  for (int v : graph_.objective()) allocate(v);

  // Reverse topological order: the first writer of a gradient overwrites it, later ones
  // add. A pass-through op's input gradient shares its output gradient's buffer when
  // it is that gradient's only writer.
  std::vector<int> written(n_values, 0);
  const std::vector<int> objective = graph_.objective();
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    const int n = *it;
    const graph::Node& node = graph_.node(n);
    accumulate_[n].assign(node.inputs.size(), false);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int v = node.inputs[i];
      if (!Differentiable(node, i) || !needs_grad_[v]) continue;
      backward_[n] = true;
      const bool passthrough = i == 0 && node.op->gradient_passthrough && writers[v] == 1 &&
                               graph_.value(v).kind == graph::Value::Kind::kNodeOutput &&
                               !grads_[node.outputs[0]].empty();
      if (passthrough && grads_[v].empty()) {
        grads_[v] = grads_[node.outputs[0]].Reshaped(
            Concrete(graph_.value(v).type, options_.batch).shape);
      }
      allocate(v);
      accumulate_[n][i] =
          written[v]++ > 0 || std::count(objective.begin(), objective.end(), v) > 0;
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::PrepareKernels() {
  kernels_.resize(graph_.nodes().size());
  const Engine& engine = CpuEngine();
  for (int n : nodes_) {
    const graph::Node& node = graph_.node(n);
    if (!node.op->kernel) {
      return absl::UnimplementedError(
          absl::StrCat("node '", node.name, "': op '", node.op->name, "' has no oneDNN kernel"));
    }
    KernelContext ctx;
    ctx.node = &node;
    ctx.engine = engine.engine;
    ctx.training = options_.backward && backward_[n];
    for (int v : node.inputs) ctx.in.push_back(values_[v]);
    for (int v : node.outputs) ctx.out.push_back(values_[v]);
    if (ctx.training) {
      for (int v : node.outputs) ctx.d_out.push_back(needs_grad_[v] ? grads_[v] : Tensor());
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const int v = node.inputs[i];
        ctx.d_in.push_back(Differentiable(node, i) && needs_grad_[v] ? grads_[v] : Tensor());
      }
      ctx.accumulate = accumulate_[n];
    }
    kernels_[n] = node.op->kernel();
    RETURN_IF_ERROR(kernels_[n]->Prepare(ctx));
  }
  return absl::OkStatus();
}

absl::Status Executor::Forward(Tape* tape) {
  dnnl::stream& stream = CpuEngine().stream;
  if (tape != nullptr) {
    tape->Clear();
    tape->Reserve(nodes_.size());
  }
  for (int n : nodes_) {
    RETURN_IF_ERROR(kernels_[n]->Forward(stream));
    if (tape != nullptr) tape->Record(n, kernels_[n].get());
  }
  stream.wait();
  return absl::OkStatus();
}

void Executor::Backward(const Tape& tape) {
  dnnl::stream& stream = CpuEngine().stream;
  for (int v : graph_.objective()) {
    if (!grads_[v].empty()) grads_[v].f32()[0] = 1.f;
  }
  const std::vector<Tape::Entry>& entries = tape.entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (backward_[it->node]) it->kernel->Backward(stream);
  }
  stream.wait();
}

float Executor::Objective() const {
  float sum = 0;
  for (int v : graph_.objective()) {
    if (!values_[v].empty()) sum += values_[v].f32()[0];
  }
  return sum;
}

}  // namespace graphrun::runtime
