// Helpers shared by the tests: small model texts and parsing shortcuts.
#ifndef GRAPHRUN_TESTS_TEST_UTIL_H_
#define GRAPHRUN_TESTS_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "graph/graph.h"
#include "graph/model_file.h"

namespace graphrun::testing {

// A small valid model (the study's network at f=4, nf=2, nh=10), one statement per
// line so that tests can change line k and expect "test.pbtxt:k+1:" in a message.
inline std::vector<std::string> TinyModelLines() {
  return {
      R"(input { name: "images" shape: [-1, 3, 32, 32] feed: IMAGE })",    // 1
      R"(input { name: "labels" shape: [-1] dtype: INT32 feed: LABEL })",  // 2
      R"(param { name: "F" shape: [48, 2] init { he_normal {} } })",       // 3
      R"(param { name: "W1" shape: [128, 10] init { he_normal {} } })",    // 4
      R"(param { name: "b1" shape: [10] init { zeros {} } })",             // 5
      R"(param { name: "W2" shape: [10, 10] init { he_normal {} } })",     // 6
      R"(param { name: "b2" shape: [10] init { zeros {} } })",             // 7
      R"(node { name: "patches" op: "patchify" input: "images" attr { name: "size" i: 4 } })",  // 8
      R"(node { name: "conv" op: "matmul" input: ["patches", "F"] })",     // 9
      R"(node { name: "conv_relu" op: "relu" input: "conv" })",            // 10
      R"(node { name: "conv_flat" op: "flatten" input: "conv_relu" })",    // 11
      R"(node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] })",   // 12
      R"(node { name: "fc1_b" op: "bias_add" input: ["fc1", "b1"] })",     // 13
      R"(node { name: "hidden" op: "relu" input: "fc1_b" })",              // 14
      R"(node { name: "fc2" op: "matmul" input: ["hidden", "W2"] })",      // 15
      R"(node { name: "logits" op: "bias_add" input: ["fc2", "b2"] })",    // 16
      R"(node { name: "xent" op: "softmax_xent" input: ["logits", "labels"] })",  // 17
      R"(loss: "xent")",                                                   // 18
      R"(logits: "logits")",                                               // 19
      R"(training { l2 { lambda: 0.003 params: ["F", "W1", "W2"] } })",    // 20
  };
}

inline std::string Join(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\n") + "\n";
}

// Parses and builds a model text named "test.pbtxt".
inline absl::StatusOr<graph::Graph> BuildText(const std::string& text) {
  absl::StatusOr<graph::ModelFile> file = graph::ParseModelText(text, "test.pbtxt");
  if (!file.ok()) return file.status();
  return graph::Graph::Build(*file);
}

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_TEST_UTIL_H_
