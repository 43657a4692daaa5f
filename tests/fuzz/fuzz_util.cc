#include "tests/fuzz/fuzz_util.h"

#include <cstdio>
#include <cstdlib>

#include "graph/model_file.h"

namespace graphrun::fuzz {

void Require(bool condition, const std::string& what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

void RequireNamesFile(const absl::Status& status, const std::string& file) {
  Require(!status.ok(), "an error was expected");
  const std::string message(status.message());
  Require(message.compare(0, file.size() + 1, file + ":") == 0,
          "the message does not start with the file name: " + message);
}

const graph::Graph& TinyGraph() {
  static const graph::Graph* graph = [] {
    absl::StatusOr<graph::ModelFile> file = graph::ParseModelText(R"(
      input { name: "images" shape: [-1, 3, 32, 32] feed: IMAGE }
      input { name: "labels" shape: [-1] dtype: INT32 feed: LABEL }
      param { name: "F" shape: [48, 2] init { he_normal {} } }
      param { name: "W1" shape: [128, 10] init { he_normal {} } }
      param { name: "b1" shape: [10] init { zeros {} } }
      param { name: "W2" shape: [10, 10] init { he_normal {} } }
      param { name: "b2" shape: [10] init { zeros {} } }
      node { name: "patches" op: "patchify" input: "images" attr { name: "size" i: 4 } }
      node { name: "conv" op: "matmul" input: ["patches", "F"] }
      node { name: "conv_relu" op: "relu" input: "conv" }
      node { name: "conv_flat" op: "flatten" input: "conv_relu" }
      node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] }
      node { name: "fc1_b" op: "bias_add" input: ["fc1", "b1"] }
      node { name: "hidden" op: "relu" input: "fc1_b" }
      node { name: "fc2" op: "matmul" input: ["hidden", "W2"] }
      node { name: "logits" op: "bias_add" input: ["fc2", "b2"] }
      node { name: "xent" op: "softmax_xent" input: ["logits", "labels"] }
      loss: "xent"
      logits: "logits"
      training { l2 { lambda: 0.003 params: ["F", "W1", "W2"] } }
    )", "tiny.pbtxt");
    Require(file.ok(), "the tiny model does not parse");
    absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
    Require(g.ok(), "the tiny model does not build");
    return new graph::Graph(*std::move(g));
  }();
  return *graph;
}

}  // namespace graphrun::fuzz
