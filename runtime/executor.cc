#include "runtime/executor.h"

#include <algorithm>
#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/engine.h"
#include "runtime/fusion.h"
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

double Seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool Contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(const graph::Graph& graph,
                                                           ParamStore* params,
                                                           const ExecutorOptions& options) {
  if (options.batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("batch size ", options.batch, " must be >= 1"));
  }
  for (const graph::Value& v : graph.values()) {
    const int64_t per_sample = v.type.shape.NumElements();
    if (v.type.shape.batched() && per_sample > graph::kMaxElements / options.batch) {
      return absl::InvalidArgumentError(absl::StrCat("batch size ", options.batch, " makes '", v.name, "' (",
                                                     v.type.shape.ToString(), ") larger than 2^34 elements"));
    }
  }
  std::unique_ptr<Executor> ex(new Executor(graph, options));
  if (ex->options_.objective.empty()) ex->options_.objective = graph.objective();
  if (ex->options_.targets.empty()) ex->options_.targets = ex->options_.objective;
  if (options.backward) {
    for (int v : ex->options_.objective) ex->options_.targets.push_back(v);
  }
  ex->nodes_ = graph.NodesFor(ex->options_.targets);
  ex->PlanUnits();
  RETURN_IF_ERROR(ex->PlanValues(params));
  RETURN_IF_ERROR(ex->PlanGradients(params));
  RETURN_IF_ERROR(ex->PrepareKernels());
  return ex;
}

void Executor::PlanUnits() {
  internal_.assign(graph_.values().size(), false);
  std::vector<int> consumers(graph_.values().size(), 0);  // among the planned nodes
  for (int n : nodes_) {
    for (int v : graph_.node(n).inputs) ++consumers[v];
  }
  // A value may disappear inside a chain when the next node alone reads it, as input 0.
  auto linkable = [&](int v, int next) {
    const graph::Node& node = graph_.node(next);
    return consumers[v] == 1 && !Contains(options_.targets, v) && node.inputs[0] == v &&
           std::count(node.inputs.begin(), node.inputs.end(), v) == 1;
  };
  auto consumer_of = [&](int v) {
    for (int c : graph_.value(v).consumers) {
      if (Contains(nodes_, c)) return c;
    }
    return -1;
  };
  std::vector<bool> taken(graph_.nodes().size(), false);
  for (int n : nodes_) {
    if (taken[n]) continue;
    Unit unit;
    if (options_.fuse) {
      for (const FusionPattern& p : FusionRegistry::Global().patterns()) {
        std::vector<int> chain = {n};
        bool ok = graph_.node(n).op->name == p.head[0];
        for (size_t h = 1; ok && h < p.head.size(); ++h) {
          const int v = graph_.node(chain.back()).outputs[0];
          const int next = consumer_of(v);
          ok = next >= 0 && !taken[next] && graph_.node(next).op->name == p.head[h] && linkable(v, next);
          if (ok) chain.push_back(next);
        }
        for (size_t t = 0; ok && t < p.tail.size(); ++t) {
          const int v = graph_.node(chain.back()).outputs[0];
          if (graph_.node(chain.back()).outputs.size() != 1) break;
          const int next = consumer_of(v);
          if (next >= 0 && !taken[next] && graph_.node(next).op->name == p.tail[t] && linkable(v, next)) {
            chain.push_back(next);
          }
        }
        if (!ok || (p.accept != nullptr && !p.accept(graph_, chain))) continue;
        unit.nodes = chain;
        unit.fusion = p.name;
        break;
      }
    }
    if (unit.nodes.empty()) unit.nodes = {n};
    for (size_t k = 0; k < unit.nodes.size(); ++k) {
      const graph::Node& node = graph_.node(unit.nodes[k]);
      taken[unit.nodes[k]] = true;
      if (k + 1 < unit.nodes.size()) internal_[node.outputs[0]] = true;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        if (k > 0 && i == 0) continue;  // the previous node's output, inside the chain
        unit.inputs.push_back(node.inputs[i]);
        unit.differentiable.push_back(Differentiable(node, i));
      }
    }
    units_.push_back(std::move(unit));
  }
}

absl::Status Executor::PlanValues(ParamStore* params) {
  const int64_t batch = options_.batch;
  values_.assign(graph_.values().size(), Tensor());
  for (int id : graph_.params()) values_[id] = params->value(id);
  for (int id : graph_.inputs()) values_[id] = Tensor::Allocate(Concrete(graph_.value(id).type, batch));
  for (int n : nodes_) {
    const graph::Node& node = graph_.node(n);
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const int v = node.outputs[k];
      if (internal_[v]) continue;
      const graph::TensorType type = Concrete(graph_.value(v).type, batch);
      if (k == 0 && node.op->forward_alias && !internal_[node.inputs[0]]) {
        values_[v] = values_[node.inputs[0]].Reshaped(type.shape);
      } else {
        values_[v] = Tensor::Allocate(type);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::PlanGradients(ParamStore* params) {
  const size_t n_values = graph_.values().size();
  grads_.assign(n_values, Tensor());
  needs_grad_.assign(n_values, false);
  accumulate_.assign(units_.size(), {});
  backward_.assign(units_.size(), false);
  if (!options_.backward) return absl::OkStatus();
  needs_grad_ = ValuesNeedingGradient(graph_, nodes_, options_.objective);

  // How many units write each gradient: the objective's seed counts as one.
  const std::vector<int>& objective = options_.objective;
  std::vector<int> writers(n_values, 0);
  for (int v : objective) ++writers[v];
  for (const Unit& u : units_) {
    for (size_t i = 0; i < u.inputs.size(); ++i) {
      if (u.differentiable[i] && needs_grad_[u.inputs[i]]) ++writers[u.inputs[i]];
    }
  }
  auto allocate = [&](int v) {
    if (!grads_[v].empty()) return;
    grads_[v] = graph_.value(v).kind == graph::Value::Kind::kParam
                    ? params->grad(v)
                    : Tensor::Allocate(Concrete(graph_.value(v).type, options_.batch));
  };
  for (int v : objective) allocate(v);

  // Reverse order: the first writer of a gradient overwrites it, later ones add. A
  // pass-through op's input gradient shares its output gradient's buffer when it is that
  // gradient's only writer.
  std::vector<int> written(n_values, 0);
  for (int u = static_cast<int>(units_.size()) - 1; u >= 0; --u) {
    const Unit& unit = units_[u];
    const graph::Node& last = graph_.node(unit.last());
    accumulate_[u].assign(unit.inputs.size(), false);
    for (size_t i = 0; i < unit.inputs.size(); ++i) {
      const int v = unit.inputs[i];
      if (!unit.differentiable[i] || !needs_grad_[v]) continue;
      backward_[u] = true;
      const bool passthrough = unit.nodes.size() == 1 && i == 0 && last.op->gradient_passthrough &&
                               writers[v] == 1 && graph_.value(v).kind == graph::Value::Kind::kNodeOutput &&
                               !grads_[last.outputs[0]].empty();
      if (passthrough && grads_[v].empty()) {
        grads_[v] = grads_[last.outputs[0]].Reshaped(Concrete(graph_.value(v).type, options_.batch).shape);
      }
      allocate(v);
      accumulate_[u][i] = written[v]++ > 0 || Contains(objective, v);
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::PrepareKernels() {
  const Engine& engine = CpuEngine();
  for (size_t u = 0; u < units_.size(); ++u) {
    const Unit& unit = units_[u];
    const graph::Node& last = graph_.node(unit.last());
    KernelContext ctx;
    ctx.node = &last;
    ctx.engine = engine.engine;
    ctx.training = options_.backward && backward_[u];
    for (int v : unit.inputs) ctx.in.push_back(values_[v]);
    for (int v : last.outputs) ctx.out.push_back(values_[v]);
    if (ctx.training) {
      for (int v : last.outputs) ctx.d_out.push_back(needs_grad_[v] ? grads_[v] : Tensor());
      for (size_t i = 0; i < unit.inputs.size(); ++i) {
        const int v = unit.inputs[i];
        ctx.d_in.push_back(unit.differentiable[i] && needs_grad_[v] ? grads_[v] : Tensor());
      }
      ctx.accumulate = accumulate_[u];
    }
    if (unit.fusion.empty()) {
      if (!last.op->kernel) {
        return absl::UnimplementedError(
            absl::StrCat("node '", last.name, "': op '", last.op->name, "' has no oneDNN kernel"));
      }
      kernels_.push_back(last.op->kernel());
    } else {
      for (int n : unit.nodes) ctx.chain.push_back(&graph_.node(n));
      for (const FusionPattern& p : FusionRegistry::Global().patterns()) {
        if (p.name == unit.fusion) kernels_.push_back(p.make());
      }
    }
    RETURN_IF_ERROR(kernels_.back()->Prepare(ctx));
  }
  return absl::OkStatus();
}

void Executor::set_profile(Profile* profile) {
  profile_ = profile;
  if (profile_ == nullptr) return;
  profile_->forward_seconds.resize(units_.size());
  profile_->backward_seconds.resize(units_.size());
}

absl::Status Executor::Forward(Tape* tape) {
  dnnl::stream& stream = CpuEngine().stream;
  if (tape != nullptr) {
    tape->Clear();
    tape->Reserve(units_.size());
  }
  for (size_t u = 0; u < units_.size(); ++u) {
    const double t0 = profile_ != nullptr ? Seconds() : 0;
    RETURN_IF_ERROR(kernels_[u]->Forward(stream));
    if (profile_ != nullptr) {
      stream.wait();
      profile_->forward_seconds[u].push_back(Seconds() - t0);
    }
    if (tape != nullptr) tape->Record(static_cast<int>(u), kernels_[u].get());
  }
  stream.wait();
  return absl::OkStatus();
}

void Executor::Backward(const Tape& tape) {
  dnnl::stream& stream = CpuEngine().stream;
  for (int v : options_.objective) {
    if (!grads_[v].empty()) grads_[v].f32()[0] = 1.f;
  }
  const std::vector<Tape::Entry>& entries = tape.entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (!backward_[it->unit]) continue;
    const double t0 = profile_ != nullptr ? Seconds() : 0;
    it->kernel->Backward(stream);
    if (profile_ != nullptr) {
      stream.wait();
      profile_->backward_seconds[it->unit].push_back(Seconds() - t0);
    }
  }
  stream.wait();
}

float Executor::Objective() const {
  float sum = 0;
  for (int v : options_.objective) {
    if (!values_[v].empty()) sum += values_[v].f32()[0];
  }
  return sum;
}

double Executor::UnitFlops(int unit, bool with_backward) const {
  double flops = 0;
  for (int n : units_[unit].nodes) {
    const graph::Node& node = graph_.node(n);
    int passes = 1;
    if (with_backward) {
      for (int v : node.inputs) passes += needs_grad_[v];
    }
    flops += static_cast<double>(graph_.FlopsPerSample(node)) * options_.batch * passes;
  }
  return flops;
}

}  // namespace graphrun::runtime
