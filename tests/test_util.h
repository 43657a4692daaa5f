// Helpers shared by the tests: small model texts and parsing shortcuts.
#ifndef GRAPHRUN_TESTS_TEST_UTIL_H_
#define GRAPHRUN_TESTS_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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

// A small patchify network for end-to-end runs on generated data: filter size f, 8
// filters with a bias, 32 hidden units, 10 classes, the given label smoothing (0: none)
// and `training` section (the text inside `training { }`).
inline std::string SmallNetText(const std::string& name, int f, double label_smoothing,
                                const std::string& training) {
  const int patch = f * f * 3, patches = (32 / f) * (32 / f);
  const std::string smoothing =
      label_smoothing > 0 ? absl::StrCat(" attr { name: \"label_smoothing\" f: ", label_smoothing, " }") : "";
  return absl::StrCat(
      "name: \"", name, "\"\n",
      R"(input { name: "images" shape: [-1, 3, 32, 32] feed: IMAGE }
input { name: "labels" shape: [-1] dtype: INT32 feed: LABEL }
param { name: "F" shape: [)", patch, R"(, 8] init { he_normal {} } }
param { name: "b0" shape: [8] init { zeros {} } }
param { name: "W1" shape: [)", patches * 8, R"(, 32] init { he_normal {} } }
param { name: "b1" shape: [32] init { zeros {} } }
param { name: "W2" shape: [32, 10] init { he_normal {} } }
param { name: "b2" shape: [10] init { zeros {} } }
node { name: "patches" op: "patchify" input: "images" attr { name: "size" i: )", f, R"( } }
node { name: "conv" op: "matmul" input: ["patches", "F"] }
node { name: "conv_b" op: "bias_add" input: ["conv", "b0"] }
node { name: "conv_relu" op: "relu" input: "conv_b" }
node { name: "conv_flat" op: "flatten" input: "conv_relu" }
node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] }
node { name: "fc1_b" op: "bias_add" input: ["fc1", "b1"] }
node { name: "hidden" op: "relu" input: "fc1_b" }
node { name: "fc2" op: "matmul" input: ["hidden", "W2"] }
node { name: "logits" op: "bias_add" input: ["fc2", "b2"] }
node { name: "xent" op: "softmax_xent" input: ["logits", "labels"])", smoothing, R"( }
loss: "xent"
logits: "logits"
training {
)", training, "}\n");
}

// Parses and builds a model text named "test.pbtxt".
inline absl::StatusOr<graph::Graph> BuildText(const std::string& text) {
  absl::StatusOr<graph::ModelFile> file = graph::ParseModelText(text, "test.pbtxt");
  if (!file.ok()) return file.status();
  return graph::Graph::Build(*file);
}

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_TEST_UTIL_H_
