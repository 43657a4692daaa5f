// The validated, shape-inferred graph of a model: names resolved to ids, nodes in
// topological order, every tensor's type known (batch dimension symbolic).
#ifndef GRAPHRUN_GRAPH_GRAPH_H_
#define GRAPHRUN_GRAPH_GRAPH_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/model_file.h"
#include "graph/op_registry.h"
#include "graph/shape.h"
#include "proto/graph.pb.h"

namespace graphrun::graph {

// Names of the nodes graphrun adds to a model: the L2 penalty of the training
// section, and the argmax of the logits.
inline constexpr char kL2NodeName[] = "l2_penalty";
inline constexpr char kPredictionsNodeName[] = "predictions";

// A tensor of the graph: a data input, a parameter, or a node's output.
struct Value {
  enum class Kind { kInput, kParam, kNodeOutput };
  std::string name;
  Kind kind = Kind::kNodeOutput;
  TensorType type;
  int producer = -1;      // kNodeOutput: the node's index in Graph::nodes()
  int output = 0;         // kNodeOutput: which output of the producer
  int source_index = -1;  // kInput / kParam: index in Model.input / Model.param
  bool trainable = false; // kParam and trainable
  std::vector<int> consumers;  // node indices
};

// One op application.
struct Node {
  std::string name;
  const OpDef* op = nullptr;
  std::vector<int> inputs;   // value ids
  std::vector<int> outputs;  // value ids
  Attrs attrs;
  int source_index = -1;     // index in Model.node; -1 for nodes graphrun added
};

class Graph {
 public:
  // Validates `file.model` and infers shapes. Every problem found is reported, one per
  // line, as "file:line: node 'x' (op): what is wrong" in one InvalidArgument.
  // Lowers the training section: an `l2` node for a non-zero L2 penalty, and an
  // `argmax` node over the logits.
  static absl::StatusOr<Graph> Build(const ModelFile& file);

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const Value& value(int id) const { return values_[id]; }
  const Node& node(int id) const { return nodes_[id]; }
  // Value id by name, or -1.
  int FindValue(const std::string& name) const;
  // Node index by name, or -1.
  int FindNode(const std::string& name) const;
  // Forward floating-point operations of `node` per sample (0 for layout ops).
  int64_t FlopsPerSample(const Node& node) const;

  int loss() const { return loss_; }
  int logits() const { return logits_; }            // -1 when the model names none
  int l2_penalty() const { return l2_penalty_; }    // -1 without L2
  int predictions() const { return predictions_; }  // -1 without logits
  // The values whose sum is minimised: the loss and the L2 penalty.
  std::vector<int> objective() const;
  // Parameter value ids in declaration order.
  const std::vector<int>& params() const { return params_; }
  // Input value ids in declaration order.
  const std::vector<int>& inputs() const { return inputs_; }
  // The input fed with images / labels, or -1.
  int FedInput(proto::Feed feed) const;

  const proto::Model& model() const { return model_; }
  const proto::Training& training() const { return model_.training(); }
  const SourceMap& source() const { return source_; }
  // The model's name, or the file's base name.
  const std::string& name() const { return name_; }

  // Indices of the nodes needed to compute `targets`, in topological order.
  std::vector<int> NodesFor(const std::vector<int>& targets) const;

 private:
  Graph() = default;

  proto::Model model_;
  SourceMap source_;
  std::string name_;
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::map<std::string, int> value_ids_;
  int loss_ = -1;
  int logits_ = -1;
  int l2_penalty_ = -1;
  int predictions_ = -1;
  std::vector<int> params_;
  std::vector<int> inputs_;

  friend class GraphBuilder;
};

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_GRAPH_H_
