// Validation and shape inference: the tiny model is fine; each bad variant gets one
// precise message naming its line and node.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace graphrun::graph {
namespace {

using ::testing::HasSubstr;
using testing::BuildText;
using testing::Join;
using testing::TinyModelLines;

TEST(ValidationTest, TinyModelBuilds) {
  absl::StatusOr<Graph> g = BuildText(Join(TinyModelLines()));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->value(g->FindValue("patches")).type.shape, Shape({kBatch, 64, 48}));
  EXPECT_EQ(g->value(g->FindValue("conv")).type.shape, Shape({kBatch, 64, 2}));
  EXPECT_EQ(g->value(g->FindValue("conv_flat")).type.shape, Shape({kBatch, 128}));
  EXPECT_EQ(g->value(g->FindValue("xent")).type.shape, Shape());
  EXPECT_EQ(g->value(g->FindValue("xent:probs")).type.shape, Shape({kBatch, 10}));
  EXPECT_EQ(g->value(g->predictions()).type.dtype, proto::INT32);
  ASSERT_GE(g->l2_penalty(), 0);
  EXPECT_EQ(g->objective().size(), 2u);
  EXPECT_EQ(g->FedInput(proto::IMAGE), g->FindValue("images"));
  // Topological order: every input is produced before it is used.
  for (size_t i = 0; i < g->nodes().size(); ++i) {
    for (int v : g->node(i).inputs) {
      if (g->value(v).kind == Value::Kind::kNodeOutput) {
        EXPECT_LT(g->value(v).producer, static_cast<int>(i));
      }
    }
  }
}

TEST(ValidationTest, NodesInAnyOrderAreSorted) {
  std::vector<std::string> lines = TinyModelLines();
  std::swap(lines[7], lines[16]);  // xent first, patchify last
  absl::StatusOr<Graph> g = BuildText(Join(lines));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->node(0).name, "patches");
}

TEST(ValidationTest, NodesForComputesOnlyWhatIsNeeded) {
  absl::StatusOr<Graph> g = BuildText(Join(TinyModelLines()));
  ASSERT_TRUE(g.ok());
  std::vector<int> nodes = g->NodesFor({g->FindValue("conv_relu")});
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(g->node(nodes[2]).name, "conv_relu");
}

// One bad variant: replace line `line` (1-based) with `text`, expect each fragment.
struct BadCase {
  const char* label;
  int line;
  const char* text;
  std::vector<const char*> expected;
};

class BadModelTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadModelTest, ReportsPreciseMessage) {
  const BadCase& c = GetParam();
  std::vector<std::string> lines = TinyModelLines();
  lines[c.line - 1] = c.text;
  absl::StatusOr<Graph> g = BuildText(Join(lines));
  ASSERT_FALSE(g.ok()) << c.label;
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* fragment : c.expected) {
    EXPECT_THAT(std::string(g.status().message()), HasSubstr(fragment)) << c.label;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadModelTest,
    ::testing::Values(
        BadCase{"syntax", 12, R"(node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] )",
                {"test.pbtxt:13:"}},
        BadCase{"unknown_field", 12, R"(node { name: "fc1" opp: "matmul" })",
                {"test.pbtxt:12:", "opp"}},
        BadCase{"unknown_op", 14, R"(node { name: "hidden" op: "rleu" input: "fc1_b" })",
                {"test.pbtxt:14: node 'hidden': unknown op 'rleu'; did you mean 'relu'?"}},
        BadCase{"duplicate_name", 14, R"(node { name: "fc1" op: "relu" input: "fc1_b" })",
                {"test.pbtxt:14: duplicate name 'fc1' (first defined at line 12)"}},
        BadCase{"dangling_input", 12, R"(node { name: "fc1" op: "matmul" input: ["conv_flt", "W1"] })",
                {"test.pbtxt:12: node 'fc1': input 'conv_flt' names nothing; did you mean 'conv_flat'?"}},
        BadCase{"cycle", 10, R"(node { name: "conv_relu" op: "relu" input: "hidden" })",
                {"test.pbtxt:11: the graph has a cycle: conv_flat -> fc1 -> fc1_b -> hidden -> conv_relu -> conv_flat"}},
        BadCase{"missing_attr", 8, R"(node { name: "patches" op: "patchify" input: "images" })",
                {"test.pbtxt:8: node 'patches' (patchify): missing required attr 'size'"}},
        BadCase{"ill_typed_attr", 8,
                R"(node { name: "patches" op: "patchify" input: "images" attr { name: "size" s: "4" } })",
                {"test.pbtxt:8: node 'patches' (patchify): attr 'size' must be int, got string"}},
        BadCase{"attr_out_of_range", 17,
                R"(node { name: "xent" op: "softmax_xent" input: ["logits", "labels"] attr { name: "label_smoothing" f: 1.0 } })",
                {"test.pbtxt:17: node 'xent' (softmax_xent): attr 'label_smoothing' is 1, out of range [0, 1)"}},
        BadCase{"unknown_attr", 8,
                R"(node { name: "patches" op: "patchify" input: "images" attr { name: "sise" i: 4 } })",
                {"test.pbtxt:8: node 'patches' (patchify): unknown attr 'sise'; did you mean 'size'?"}},
        BadCase{"bad_choice", 17,
                R"(node { name: "xent" op: "softmax_xent" input: ["logits", "labels"] attr { name: "smoothing" s: "keras" } })",
                {"test.pbtxt:17:", "expected one of study, uniform"}},
        BadCase{"inner_dims", 4, R"(param { name: "W1" shape: [125, 10] init { he_normal {} } })",
                {"test.pbtxt:12: node 'fc1' (matmul): inner dimensions 128 and 125 differ (a N×128, b 125×10)"}},
        BadCase{"patch_size", 8,
                R"(node { name: "patches" op: "patchify" input: "images" attr { name: "size" i: 5 } })",
                {"test.pbtxt:8: node 'patches' (patchify): patch size 5 does not divide the image size 32×32"}},
        BadCase{"bias_shape", 5, R"(param { name: "b1" shape: [11] init { zeros {} } })",
                {"test.pbtxt:13: node 'fc1_b' (bias_add): bias b (11) must match the last dimension of x (N×10)"}},
        BadCase{"unused_param", 20, R"(param { name: "W3" shape: [3, 3] })",
                {"test.pbtxt:20: param 'W3' is not used by any node"}},
        BadCase{"missing_loss", 18, "", {"the model has no loss"}},
        BadCase{"loss_not_scalar", 18, R"(loss: "logits")",
                {"test.pbtxt:18: loss 'logits' must be a f32 scalar, but is f32[N×10]"}},
        BadCase{"loss_dangling", 18, R"(loss: "xnet")",
                {"test.pbtxt:18: loss 'xnet' names nothing; did you mean 'xent'?"}},
        BadCase{"input_count", 14, R"(node { name: "hidden" op: "relu" input: ["fc1_b", "b1"] })",
                {"test.pbtxt:14: node 'hidden' (relu): expects 1 input (x), got 2"}},
        BadCase{"negative_dim", 6, R"(param { name: "W2" shape: [10, -3] })",
                {"test.pbtxt:6: param 'W2': dimension 1 is -3; dimensions must be positive"}},
        BadCase{"zero_dim", 6, R"(param { name: "W2" shape: [0, 10] })",
                {"test.pbtxt:6: param 'W2': dimension 0 is 0"}},
        BadCase{"batch_not_first", 1, R"(input { name: "images" shape: [3, -1, 32, 32] feed: IMAGE })",
                {"test.pbtxt:1: input 'images': dimension 1 is -1: the batch dimension (-1) may only be the first"}},
        BadCase{"huge_dims", 3, R"(param { name: "F" shape: [9223372036854775807, 9223372036854775807] })",
                {"test.pbtxt:3: param 'F': shape", "more than 2^34 elements"}},
        BadCase{"label_dtype", 2, R"(input { name: "labels" shape: [-1] feed: LABEL })",
                {"test.pbtxt:17: node 'xent' (softmax_xent): labels must be i32, got f32[N]"}},
        BadCase{"l2_param", 20, R"(training { l2 { lambda: 0.003 params: ["F", "W11"] } })",
                {"test.pbtxt:20: training.l2.params: 'W11' is not a parameter; did you mean 'W1'?"}},
        BadCase{"reserved_name", 14, R"(node { name: "predictions" op: "relu" input: "fc1_b" })",
                {"the name 'predictions' is reserved"}},
        BadCase{"schedule", 20, R"(training { schedule { n_s: 0 } })",
                {"test.pbtxt:20: training.schedule.n_s is 0, must be >= 1"}},
        BadCase{"no_op", 14, R"(node { name: "hidden" input: "fc1_b" })",
                {"test.pbtxt:14: node 'hidden': no op given"}},
        BadCase{"double_feed", 2, R"(input { name: "labels" shape: [-1] dtype: INT32 feed: IMAGE })",
                {"test.pbtxt:2: input 'labels': feed IMAGE is already fed into 'images'"}}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.label); });

TEST(ValidationTest, ReportsAllProblemsAtOnce) {
  std::vector<std::string> lines = TinyModelLines();
  lines[13] = R"(node { name: "hidden" op: "rleu" input: "fc1_b" })";
  lines[5] = R"(param { name: "W2" shape: [10, -3] })";
  lines[19] = R"(training { batch_size: 0 })";
  absl::StatusOr<Graph> g = BuildText(Join(lines));
  ASSERT_FALSE(g.ok());
  const std::string message(g.status().message());
  EXPECT_THAT(message, HasSubstr("test.pbtxt:14:"));
  EXPECT_THAT(message, HasSubstr("test.pbtxt:6:"));
  EXPECT_THAT(message, HasSubstr("test.pbtxt:20: training.batch_size is 0"));
}

TEST(ValidationTest, EmptyModelSaysWhatIsMissing) {
  absl::StatusOr<Graph> g = BuildText("");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("the model has no loss"));
}

TEST(ValidationTest, ReshapeChecksElementCount) {
  std::vector<std::string> lines = TinyModelLines();
  lines[10] = R"(node { name: "conv_flat" op: "reshape" input: "conv_relu" attr { name: "shape" list { i: [128] } } })";
  ASSERT_TRUE(BuildText(Join(lines)).ok());
  lines[10] = R"(node { name: "conv_flat" op: "reshape" input: "conv_relu" attr { name: "shape" list { i: [127] } } })";
  absl::StatusOr<Graph> g = BuildText(Join(lines));
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(),
              HasSubstr("test.pbtxt:11: node 'conv_flat' (reshape): cannot reshape N×64×2 to N×127"));
}

TEST(ValidationTest, RegisteredOpSetIsExactlyTheExpectedOne) {
  EXPECT_THAT(OpRegistry::Global().Names(),
              ::testing::ElementsAre("add", "argmax", "bias_add", "flatten", "l2", "matmul", "patchify",
                                     "relu", "reshape", "softmax_xent"));
}

}  // namespace
}  // namespace graphrun::graph
