#include "graph/graph.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/names.h"
#include "graph/training_check.h"

namespace graphrun::graph {

namespace {

// Converts one attribute written in the model file to the type its schema declares;
// an int is accepted where a float is expected.
absl::StatusOr<AttrValue> ConvertAttr(const proto::Attr& attr, const AttrSpec& spec) {
  auto mistyped = [&](absl::string_view given) {
    return absl::InvalidArgumentError(absl::StrCat("attr '", spec.name, "' must be ",
                                                   AttrTypeName(spec.type), ", got ", given));
  };
  switch (attr.value_case()) {
    case proto::Attr::VALUE_NOT_SET:
      return absl::InvalidArgumentError(absl::StrCat(
          "attr '", spec.name, "' has no value (expected ", AttrTypeName(spec.type), ")"));
    case proto::Attr::kI:
      if (spec.type == AttrType::kInt) return AttrValue(attr.i());
      if (spec.type == AttrType::kFloat) return AttrValue(static_cast<double>(attr.i()));
      return mistyped("int");
    case proto::Attr::kF:
      if (spec.type == AttrType::kFloat) return AttrValue(attr.f());
      return mistyped("float");
    case proto::Attr::kS:
      if (spec.type == AttrType::kString) return AttrValue(attr.s());
      return mistyped("string");
    case proto::Attr::kB:
      if (spec.type == AttrType::kBool) return AttrValue(attr.b());
      return mistyped("bool");
    case proto::Attr::kList:
      if (spec.type == AttrType::kIntList) {
        return AttrValue(std::vector<int64_t>(attr.list().i().begin(), attr.list().i().end()));
      }
      return mistyped("int list");
  }
  return mistyped("an unknown kind");
}

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

// Builds a Graph from a parsed model file, collecting every problem on the way.
class GraphBuilder {
 public:
  explicit GraphBuilder(const ModelFile& file) : src_(file.source) {
    g_.model_ = file.model;
    g_.source_ = file.source;
  }

  absl::StatusOr<Graph> Build() {
    const proto::Model& m = g_.model_;
    g_.name_ = !m.name().empty() ? m.name()
               : !src_.path().empty() ? BaseName(src_.path())
                                      : "model";
    AddInputs();
    AddParams();
    for (int i = 0; i < m.node_size(); ++i) AddNode(i);
    ResolveNamedOutputs();
    LowerTraining();
    ResolveAllInputs();
    if (SortTopologically()) InferShapes();
    CheckUnusedParams();
    CheckNamedOutputTypes();
    for (const TrainingProblem& p : CheckTraining(m)) {
      Error(p.where, p.message);
    }
    if (!errors_.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    for (Pending& p : pending_) g_.nodes_.push_back(std::move(p.node));
    return std::move(g_);
  }

 private:
  // A node before its inputs are resolved and it is sorted.
  struct Pending {
    Node node;
    std::vector<std::string> input_names;
    std::vector<FieldStep> where;  // its place in the file (empty for added nodes)
    bool ok = true;
  };

  void Error(const std::vector<FieldStep>& where, absl::string_view message) {
    errors_.push_back(absl::StrCat(src_.Where(where), message));
  }
  void NodeError(const Pending& p, const std::vector<FieldStep>& where, absl::string_view msg) {
    Error(where, p.node.op != nullptr
                     ? absl::StrCat("node '", p.node.name, "' (", p.node.op->name, "): ", msg)
                     : absl::StrCat("node '", p.node.name, "': ", msg));
  }
  std::vector<std::string> ValueNames() const {
    std::vector<std::string> names;
    for (const Value& v : g_.values_) names.push_back(v.name);
    return names;
  }

  // Registers a value name; reports a duplicate against the first definition.
  int AddValue(Value value, const std::vector<FieldStep>& where) {
    if (value.name.empty()) {
      Error(where, "a name is required");
      return -1;
    }
    auto [it, inserted] = g_.value_ids_.emplace(value.name, static_cast<int>(g_.values_.size()));
    if (!inserted) {
      Error(where, absl::StrCat("duplicate name '", value.name, "' (first defined at line ",
                                first_line_[value.name], ")"));
      return -1;
    }
    first_line_[value.name] = src_.Line(where);
    g_.values_.push_back(std::move(value));
    known_.push_back(false);
    return it->second;
  }

  void AddInputs() {
    const proto::Model& m = g_.model_;
    for (int i = 0; i < m.input_size(); ++i) {
      const proto::Input& in = m.input(i);
      const std::vector<FieldStep> where = {{"input", i}};
      Value v;
      v.name = in.name();
      v.kind = Value::Kind::kInput;
      v.source_index = i;
      v.type.dtype = in.dtype() == proto::DTYPE_UNSPECIFIED ? proto::FLOAT32 : in.dtype();
      v.type.shape = Shape(Dims(in.shape().begin(), in.shape().end()));
      absl::Status dims = CheckDims(v.type.shape.dims(), /*allow_batch=*/true);
      if (!dims.ok()) Error(where, absl::StrCat("input '", in.name(), "': ", dims.message()));
      if (v.type.dtype == proto::BFLOAT16) {
        Error(where, absl::StrCat("input '", in.name(), "': bf16 inputs are not supported"));
      }
      const bool good = dims.ok() && v.type.dtype != proto::BFLOAT16;
      const int id = AddValue(std::move(v), where);
      if (id < 0) continue;
      known_[id] = good;
      g_.inputs_.push_back(id);
    }
  }

  void AddParams() {
    const proto::Model& m = g_.model_;
    for (int i = 0; i < m.param_size(); ++i) {
      const proto::Param& p = m.param(i);
      const std::vector<FieldStep> where = {{"param", i}};
      Value v;
      v.name = p.name();
      v.kind = Value::Kind::kParam;
      v.source_index = i;
      v.trainable = p.trainable();
      v.type.shape = Shape(Dims(p.shape().begin(), p.shape().end()));
      absl::Status dims = CheckDims(v.type.shape.dims(), /*allow_batch=*/false);
      if (!dims.ok()) Error(where, absl::StrCat("param '", p.name(), "': ", dims.message()));
      if (p.shape_size() == 0) Error(where, absl::StrCat("param '", p.name(), "': no shape"));
      if (p.init().has_normal() && !(p.init().normal().stddev() >= 0)) {
        Error(where, absl::StrCat("param '", p.name(), "': normal stddev ",
                                  p.init().normal().stddev(), " must be >= 0"));
      }
      if (p.init().has_he_normal() && p.init().he_normal().fan_in() < 0) {
        Error(where, absl::StrCat("param '", p.name(), "': he_normal fan_in must be >= 0"));
      }
      const bool good = dims.ok() && p.shape_size() > 0;
      const int id = AddValue(std::move(v), where);
      if (id < 0) continue;
      known_[id] = good;
      g_.params_.push_back(id);
    }
  }

  void AddNode(int index) {
    const proto::Node& n = g_.model_.node(index);
    Pending p;
    p.where = {{"node", index}};
    p.node.name = n.name();
    p.node.source_index = index;
    p.input_names.assign(n.input().begin(), n.input().end());
    p.node.op = OpRegistry::Global().Find(n.op());
    if (p.node.op == nullptr) {
      p.ok = false;
      const std::vector<FieldStep> op_where = {{"node", index}, {"op", 0}};
      if (n.op().empty()) {
        NodeError(p, p.where, "no op given");
      } else {
        NodeError(p, op_where, absl::StrCat("unknown op '", n.op(), "'",
                                            Suggest(n.op(), OpRegistry::Global().Names())));
      }
    } else {
      ResolveAttrs(n, &p);
    }
    AddNodeOutputs(&p);
    pending_.push_back(std::move(p));
  }

  void ResolveAttrs(const proto::Node& n, Pending* p) {
    const OpDef& op = *p->node.op;
    std::set<std::string> seen;
    for (int j = 0; j < n.attr_size(); ++j) {
      const proto::Attr& attr = n.attr(j);
      std::vector<FieldStep> where = p->where;
      where.push_back({"attr", j});
      const AttrSpec* spec = op.FindAttr(attr.name());
      if (spec == nullptr) {
        std::vector<std::string> names;
        for (const AttrSpec& s : op.attrs) names.push_back(s.name);
        NodeError(*p, where,
                  names.empty() ? absl::StrCat("unknown attr '", attr.name(), "': ", op.name,
                                               " takes no attributes")
                                : absl::StrCat("unknown attr '", attr.name(), "'",
                                               Suggest(attr.name(), names)));
        p->ok = false;
        continue;
      }
      if (!seen.insert(attr.name()).second) {
        NodeError(*p, where, absl::StrCat("attr '", attr.name(), "' given twice"));
        p->ok = false;
        continue;
      }
      absl::StatusOr<AttrValue> value = ConvertAttr(attr, *spec);
      absl::Status status = value.ok() ? spec->CheckValue(*value) : value.status();
      if (!status.ok()) {
        NodeError(*p, where,
                  value.ok() ? absl::StrCat("attr '", spec->name, "' ", status.message())
                             : std::string(status.message()));
        p->ok = false;
        continue;
      }
      p->node.attrs.Set(spec->name, *std::move(value));
    }
    for (const AttrSpec& spec : op.attrs) {
      if (p->node.attrs.Has(spec.name) || seen.count(spec.name) > 0) continue;
      if (spec.default_value.has_value()) {
        p->node.attrs.Set(spec.name, *spec.default_value);
      } else {
        NodeError(*p, p->where,
                  absl::StrCat("missing required attr '", spec.name, "' (", spec.Describe(), ")"));
        p->ok = false;
      }
    }
  }

  void AddNodeOutputs(Pending* p) {
    const int node_index = static_cast<int>(pending_.size());
    const int n_outputs = p->node.op != nullptr ? static_cast<int>(p->node.op->outputs.size()) : 1;
    for (int k = 0; k < n_outputs; ++k) {
      Value v;
      v.name = k == 0 ? p->node.name
                      : absl::StrCat(p->node.name, ":", p->node.op->outputs[k].name);
      v.kind = Value::Kind::kNodeOutput;
      v.producer = node_index;
      v.output = k;
      if (p->node.name.empty()) {
        Error(p->where, "node without a name");
        p->ok = false;
        return;
      }
      const int id = AddValue(std::move(v), p->where);
      if (id < 0) {
        p->ok = false;
        return;
      }
      p->node.outputs.push_back(id);
    }
  }

  // Resolves a tensor name to a value id, reporting a dangling name with a suggestion.
  int Resolve(const std::string& name, const std::vector<FieldStep>& where,
              const std::string& context) {
    auto it = g_.value_ids_.find(name);
    if (it != g_.value_ids_.end()) return it->second;
    Error(where, absl::StrCat(context, "'", name, "' names nothing", Suggest(name, ValueNames())));
    return -1;
  }

  void ResolveNamedOutputs() {
    const proto::Model& m = g_.model_;
    if (m.loss().empty()) {
      Error({}, "the model has no loss: name its loss tensor with `loss: \"<node>\"`");
    } else {
      g_.loss_ = Resolve(m.loss(), {{"loss", 0}}, "loss ");
    }
    if (!m.logits().empty()) g_.logits_ = Resolve(m.logits(), {{"logits", 0}}, "logits ");
  }

  // Adds the nodes the training section implies: the L2 penalty and the argmax.
  void LowerTraining() {
    const proto::L2& l2 = g_.model_.training().l2();
    const std::vector<FieldStep> l2_where = {{"training", 0}, {"l2", 0}};
    if (l2.lambda() != 0 && std::isfinite(l2.lambda()) && l2.lambda() > 0) {
      std::vector<std::string> param_names;
      for (int id : g_.params_) param_names.push_back(g_.values_[id].name);
      std::vector<std::string> inputs;
      for (int j = 0; j < l2.params_size(); ++j) {
        const std::string& name = l2.params(j);
        auto it = g_.value_ids_.find(name);
        if (it == g_.value_ids_.end() || g_.values_[it->second].kind != Value::Kind::kParam) {
          Error({{"training", 0}, {"l2", 0}, {"params", j}},
                absl::StrCat("training.l2.params: '", name, "' is not a parameter",
                             Suggest(name, param_names)));
          continue;
        }
        inputs.push_back(name);
      }
      if (l2.params_size() == 0) {
        Error(l2_where, "training.l2.lambda is set but training.l2.params names no parameter");
      } else if (inputs.size() == static_cast<size_t>(l2.params_size())) {
        AddLoweredNode(kL2NodeName, "l2", inputs, {{"lambda", l2.lambda()}}, l2_where,
                       &g_.l2_penalty_);
      }
    }
    if (g_.logits_ >= 0) {
      AddLoweredNode(kPredictionsNodeName, "argmax", {g_.model_.logits()}, {},
                     {{"logits", 0}}, &g_.predictions_);
    }
  }

  void AddLoweredNode(const std::string& name, const std::string& op_name,
                      const std::vector<std::string>& inputs,
                      const std::map<std::string, AttrValue>& attrs,
                      const std::vector<FieldStep>& where, int* value_id) {
    if (g_.value_ids_.count(name) > 0) {
      Error(where, absl::StrCat("the name '", name, "' is reserved for the node graphrun adds (",
                                op_name, "); rename the model's '", name, "'"));
      return;
    }
    Pending p;
    p.node.name = name;
    p.node.op = OpRegistry::Global().Find(op_name);
    if (p.node.op == nullptr) {
      Error(where, absl::StrCat("op '", op_name, "' is not registered in this build"));
      return;
    }
    for (const auto& [attr, value] : attrs) p.node.attrs.Set(attr, value);
    p.input_names = inputs;
    AddNodeOutputs(&p);
    if (!p.ok) return;
    *value_id = p.node.outputs[0];
    lowered_where_[static_cast<int>(pending_.size())] = where;
    pending_.push_back(std::move(p));
  }

  void ResolveAllInputs() {
    for (size_t i = 0; i < pending_.size(); ++i) {
      Pending& p = pending_[i];
      const bool lowered = p.node.source_index < 0;
      for (size_t j = 0; j < p.input_names.size(); ++j) {
        std::vector<FieldStep> where = lowered ? lowered_where_[i] : p.where;
        if (!lowered) where.push_back({"input", static_cast<int>(j)});
        const int id = Resolve(p.input_names[j], where,
                               absl::StrCat("node '", p.node.name, "': input "));
        if (id < 0) {
          p.ok = false;
          continue;
        }
        p.node.inputs.push_back(id);
        g_.values_[id].consumers.push_back(static_cast<int>(i));
      }
      if (p.node.op == nullptr) continue;
      const OpDef& op = *p.node.op;
      const size_t declared = op.inputs.size();
      const size_t given = p.input_names.size();
      if (op.Variadic() ? given < declared : given != declared) {
        std::vector<std::string> names;
        for (const InputSpec& in : op.inputs) names.push_back(in.variadic ? in.name + "..." : in.name);
        NodeError(p, p.where,
                  absl::StrCat("expects ", op.Variadic() ? "at least " : "", declared, " input",
                               declared == 1 ? "" : "s", " (", absl::StrJoin(names, ", "),
                               "), got ", given));
        p.ok = false;
      }
    }
  }

  // Kahn's algorithm, stable in file order. Reports a cycle and returns false.
  bool SortTopologically() {
    const int n = static_cast<int>(pending_.size());
    std::vector<std::vector<int>> successors(n);
    std::vector<int> in_degree(n, 0);
    for (int i = 0; i < n; ++i) {
      for (int v : pending_[i].node.inputs) {
        const int producer = g_.values_[v].producer;
        if (g_.values_[v].kind == Value::Kind::kNodeOutput) {
          successors[producer].push_back(i);
          ++in_degree[i];
        }
      }
    }
    std::set<int> ready;
    for (int i = 0; i < n; ++i) {
      if (in_degree[i] == 0) ready.insert(i);
    }
    std::vector<int> order;
    while (!ready.empty()) {
      const int i = *ready.begin();
      ready.erase(ready.begin());
      order.push_back(i);
      for (int s : successors[i]) {
        if (--in_degree[s] == 0) ready.insert(s);
      }
    }
    if (static_cast<int>(order.size()) != n) {
      ReportCycle(in_degree);
      return false;
    }
    // Renumber nodes in topological order.
    std::vector<int> new_index(n);
    for (int k = 0; k < n; ++k) new_index[order[k]] = k;
    for (Value& v : g_.values_) {
      if (v.kind == Value::Kind::kNodeOutput) v.producer = new_index[v.producer];
      for (int& c : v.consumers) c = new_index[c];
    }
    std::vector<Pending> sorted;
    std::map<int, std::vector<FieldStep>> lowered;
    for (int k = 0; k < n; ++k) {
      sorted.push_back(std::move(pending_[order[k]]));
      if (lowered_where_.count(order[k])) lowered[k] = lowered_where_[order[k]];
    }
    pending_ = std::move(sorted);
    lowered_where_ = std::move(lowered);
    return true;
  }

  void ReportCycle(const std::vector<int>& in_degree) {
    // Walk backwards through producers that are still blocked until a node repeats.
    int start = 0;
    while (in_degree[start] == 0) ++start;
    std::vector<int> path;
    std::map<int, int> position;
    int current = start;
    while (position.count(current) == 0) {
      position[current] = static_cast<int>(path.size());
      path.push_back(current);
      int next = -1;
      for (int v : pending_[current].node.inputs) {
        const Value& value = g_.values_[v];
        if (value.kind == Value::Kind::kNodeOutput && in_degree[value.producer] > 0) {
          next = value.producer;
          break;
        }
      }
      current = next;
    }
    std::vector<int> cycle(path.begin() + position[current], path.end());
    std::reverse(cycle.begin(), cycle.end());  // producer before consumer
    std::vector<std::string> names;
    for (int i : cycle) names.push_back(pending_[i].node.name);
    names.push_back(names.front());
    Error(pending_[cycle.front()].where,
          absl::StrCat("the graph has a cycle: ", absl::StrJoin(names, " -> ")));
  }

  void InferShapes() {
    for (size_t i = 0; i < pending_.size(); ++i) {
      Pending& p = pending_[i];
      if (!p.ok) continue;
      std::vector<TensorType> inputs;
      bool ready = true;
      for (int v : p.node.inputs) {
        ready = ready && known_[v];
        inputs.push_back(g_.values_[v].type);
      }
      if (!ready) continue;  // an input's own problem is already reported
      const std::vector<FieldStep>& where = p.node.source_index >= 0 ? p.where : lowered_where_[i];
      absl::StatusOr<std::vector<TensorType>> outputs =
          p.node.op->shape(ShapeContext{inputs, p.node.attrs});
      if (!outputs.ok()) {
        NodeError(p, where, outputs.status().message());
        continue;
      }
      if (outputs->size() != p.node.outputs.size()) {
        NodeError(p, where, "internal error: shape function returned the wrong output count");
        continue;
      }
      bool good = true;
      for (size_t k = 0; k < outputs->size(); ++k) {
        absl::Status dims = CheckDims((*outputs)[k].shape.dims(), /*allow_batch=*/true);
        if (!dims.ok()) {
          NodeError(p, where, absl::StrCat("output ", k, ": ", dims.message()));
          good = false;
          break;
        }
        g_.values_[p.node.outputs[k]].type = (*outputs)[k];
      }
      for (int v : p.node.outputs) known_[v] = good;
    }
  }

  void CheckUnusedParams() {
    for (int id : g_.params_) {
      const Value& v = g_.values_[id];
      bool used = false;
      for (int c : v.consumers) used = used || pending_[c].node.source_index >= 0;
      if (!used) {
        Error({{"param", v.source_index}},
              absl::StrCat("param '", v.name, "' is not used by any node"));
      }
    }
  }

  void CheckNamedOutputTypes() {
    if (g_.loss_ >= 0 && known_[g_.loss_]) {
      const TensorType& t = g_.values_[g_.loss_].type;
      if (t.shape.rank() != 0 || t.dtype != proto::FLOAT32) {
        Error({{"loss", 0}}, absl::StrCat("loss '", g_.values_[g_.loss_].name,
                                          "' must be a f32 scalar, but is ", t.ToString()));
      }
    }
    if (g_.logits_ >= 0 && known_[g_.logits_]) {
      const TensorType& t = g_.values_[g_.logits_].type;
      if (t.shape.rank() != 2 || !t.shape.batched() || t.dtype != proto::FLOAT32) {
        Error({{"logits", 0}}, absl::StrCat("logits '", g_.values_[g_.logits_].name,
                                            "' must be f32[N×K], but are ", t.ToString()));
      }
    }
    std::map<proto::Feed, std::string> fed;
    for (int id : g_.inputs_) {
      const Value& v = g_.values_[id];
      const proto::Input& in = g_.model_.input(v.source_index);
      if (in.feed() == proto::FEED_UNSPECIFIED) continue;
      auto [it, inserted] = fed.emplace(in.feed(), v.name);
      if (!inserted) {
        Error({{"input", v.source_index}},
              absl::StrCat("input '", v.name, "': feed ", proto::Feed_Name(in.feed()),
                           " is already fed into '", it->second, "'"));
      }
    }
  }

  Graph g_;
  const SourceMap& src_;
  std::vector<std::string> errors_;
  std::vector<bool> known_;  // per value: type inferred without error
  std::map<std::string, int> first_line_;
  std::vector<Pending> pending_;
  std::map<int, std::vector<FieldStep>> lowered_where_;
};

absl::StatusOr<Graph> Graph::Build(const ModelFile& file) {
  GraphBuilder builder(file);
  return builder.Build();
}

int Graph::FindValue(const std::string& name) const {
  auto it = value_ids_.find(name);
  return it == value_ids_.end() ? -1 : it->second;
}

int Graph::FindNode(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> Graph::objective() const {
  std::vector<int> terms = {loss_};
  if (l2_penalty_ >= 0) terms.push_back(l2_penalty_);
  return terms;
}

int Graph::FedInput(proto::Feed feed) const {
  for (int id : inputs_) {
    if (model_.input(values_[id].source_index).feed() == feed) return id;
  }
  return -1;
}

std::vector<int> Graph::NodesFor(const std::vector<int>& targets) const {
  std::vector<bool> needed(nodes_.size(), false);
  std::vector<int> stack;
  for (int v : targets) {
    if (v >= 0 && values_[v].kind == Value::Kind::kNodeOutput) stack.push_back(values_[v].producer);
  }
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (needed[n]) continue;
    needed[n] = true;
    for (int v : nodes_[n].inputs) {
      if (values_[v].kind == Value::Kind::kNodeOutput) stack.push_back(values_[v].producer);
    }
  }
  std::vector<int> order;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (needed[i]) order.push_back(static_cast<int>(i));
  }
  return order;
}

int64_t Graph::FlopsPerSample(const Node& node) const {
  if (!node.op->flops) return 0;
  std::vector<TensorType> in, out;
  for (int v : node.inputs) in.push_back({value(v).type.dtype, value(v).type.shape.WithBatch(1)});
  for (int v : node.outputs) out.push_back({value(v).type.dtype, value(v).type.shape.WithBatch(1)});
  return node.op->flops(ShapeContext{in, node.attrs}, out);
}

}  // namespace graphrun::graph
