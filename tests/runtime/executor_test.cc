// The executor and tape on whole graphs: gradients of the study's networks against the
// double-precision reference and finite differences, a tensor with two consumers, and a
// steady state that builds and allocates nothing.
#include "runtime/executor.h"

#include <malloc.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/engine.h"
#include "runtime/fusion.h"
#include "runtime/gradcheck.h"
#include "runtime/reference_executor.h"
#include "runtime/training_step.h"
#include "tests/test_util.h"
#include "tools/inputs.h"

namespace graphrun::runtime {
namespace {

graph::Graph LoadModel(const std::string& name) {
  absl::StatusOr<graph::ModelFile> file = graph::LoadModelFile(std::string(GRAPHRUN_SOURCE_DIR "/models/") + name);
  EXPECT_TRUE(file.ok()) << file.status();
  absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

void ExpectGradcheckPasses(const graph::Graph& g, int64_t batch) {
  ParamStore params(g);
  params.Initialize(g.training().seed());
  absl::StatusOr<std::map<int, std::vector<double>>> inputs =
      tools::SampleInputs(g, batch, /*use_data=*/false, 7);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  GradcheckOptions options;
  options.fd_elements = 3;
  absl::StatusOr<std::vector<CheckRow>> rows = Gradcheck(g, params, batch, *inputs, options);
  ASSERT_TRUE(rows.ok()) << rows.status();
  int with_b = 0;
  for (const CheckRow& r : *rows) {
    EXPECT_LE(r.a.max_rel, options.tol_a) << g.name() << " " << r.tensor << " (a)";
    if (r.has_b) {
      ++with_b;
      EXPECT_LE(r.b.max_rel, options.tol_b) << g.name() << " " << r.tensor << " (b)";
    }
  }
  // Every parameter gradient and every intermediate that leads to one was checked.
  EXPECT_GE(with_b, 12);
}

TEST(ExecutorTest, Arch2GradientsMatchTheReference) { ExpectGradcheckPasses(LoadModel("arch2.pbtxt"), 16); }

TEST(ExecutorTest, Arch5GradientsMatchTheReference) { ExpectGradcheckPasses(LoadModel("arch5.pbtxt"), 4); }

TEST(ExecutorTest, TensorWithTwoConsumersSumsItsGradients) {
  // conv_flat feeds two branches that meet again in an add: its gradient is written by
  // one consumer and added by the other; W1 and W2 get three and two contributions.
  std::vector<std::string> lines = testing::TinyModelLines();
  lines[11] += R"( node { name: "fc1x" op: "matmul" input: ["conv_flat", "W1"] })";
  lines[13] += R"( node { name: "hidden2" op: "relu" input: "fc1x" })";
  lines[14] += R"( node { name: "fc2x" op: "matmul" input: ["hidden2", "W2"] })";
  lines[15] = R"(node { name: "logits0" op: "bias_add" input: ["fc2", "b2"] })"
              R"( node { name: "logits" op: "add" input: ["logits0", "fc2x"] })";
  lines[16] = R"(node { name: "xent" op: "softmax_xent" input: ["logits", "labels"])"
              R"( attr { name: "label_smoothing" f: 0.1 } attr { name: "smoothing" s: "uniform" } })";
  absl::StatusOr<graph::Graph> g = testing::BuildText(testing::Join(lines));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->value(g->FindValue("conv_flat")).consumers.size(), 2u);
  EXPECT_EQ(g->value(g->FindValue("W1")).consumers.size(), 3u);  // two matmuls and the L2 term
  ExpectGradcheckPasses(*g, 8);
}

TEST(ExecutorTest, SteadyStateTrainingStepBuildsAndAllocatesNothing) {
  // The trainer's own step (fused kernels, optimiser with weight decay) on arch5.
  graph::Graph g = LoadModel("arch5.pbtxt");
  ParamStore params(g);
  params.Initialize(1);
  absl::StatusOr<std::unique_ptr<TrainingStep>> step = TrainingStep::Create(g, &params, 100);
  ASSERT_TRUE(step.ok()) << step.status();
  int32_t* labels = (*step)->executor().value(g.FedInput(proto::LABEL)).i32();
  for (int i = 0; i < 100; ++i) labels[i] = i % 10;
  ASSERT_TRUE((*step)->Run(1e-3).ok());
  const int64_t primitives = PrimitiveCache::Global().creations();
  const int64_t bytes = TensorBytesAllocated();
  const size_t heap = mallinfo2().uordblks;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*step)->Run(1e-3).ok());
  EXPECT_EQ(PrimitiveCache::Global().creations(), primitives);
  EXPECT_EQ(TensorBytesAllocated(), bytes);
  // oneDNN may hold transient buffers during a call, but nothing accumulates.
  EXPECT_LE(mallinfo2().uordblks, heap + 64 * 1024);
}

TEST(ExecutorTest, ComputesOnlyGradientsThatReachParameters) {
  graph::Graph g = LoadModel("arch2.pbtxt");
  ParamStore params(g);
  ExecutorOptions options;
  options.backward = true;
  options.fuse = false;
  absl::StatusOr<std::unique_ptr<Executor>> ex = Executor::Create(g, &params, options);
  ASSERT_TRUE(ex.ok());
  EXPECT_TRUE((*ex)->grad(g.FindValue("images")).empty());
  EXPECT_TRUE((*ex)->grad(g.FindValue("patches")).empty());
  EXPECT_FALSE((*ex)->grad(g.FindValue("conv")).empty());
  EXPECT_FALSE((*ex)->grad(g.FindValue("W1")).empty());
  // flatten's input gradient is its output gradient's buffer.
  EXPECT_EQ((*ex)->grad(g.FindValue("conv_relu")).data(), (*ex)->grad(g.FindValue("conv_flat")).data());
  // Evaluation executors run only what their targets need and allocate no gradients.
  ExecutorOptions eval;
  eval.targets = {g.predictions()};
  absl::StatusOr<std::unique_ptr<Executor>> ev = Executor::Create(g, &params, eval);
  ASSERT_TRUE(ev.ok());
  EXPECT_FALSE((*ev)->has_value(g.l2_penalty()));
  EXPECT_TRUE((*ev)->grad(g.FindValue("W1")).empty());
}

// The fused executor (matmul + bias + ReLU as one kernel, L2 left to the optimiser as in
// training) against the double-precision reference on the whole graph.
void ExpectFusedMatchesReference(const graph::Graph& g, int64_t batch, int expected_fusions) {
  ParamStore params(g);
  params.Initialize(g.training().seed());
  absl::StatusOr<std::map<int, std::vector<double>>> inputs = tools::SampleInputs(g, batch, false, 3);
  ASSERT_TRUE(inputs.ok());
  ExecutorOptions options;
  options.batch = batch;
  options.backward = true;
  options.objective = {g.loss()};
  options.targets = {g.loss(), g.predictions()};
  absl::StatusOr<std::unique_ptr<Executor>> ex = Executor::Create(g, &params, options);
  ASSERT_TRUE(ex.ok()) << ex.status();
  int fused = 0;
  for (const Unit& u : (*ex)->units()) fused += !u.fusion.empty();
  EXPECT_EQ(fused, expected_fusions);
  absl::StatusOr<std::unique_ptr<RefExecutor>> ref = RefExecutor::Create(g, batch);
  ASSERT_TRUE(ref.ok());
  for (const auto& [id, values] : *inputs) {
    Tensor& t = (*ex)->value(id);
    for (int64_t i = 0; i < t.size(); ++i) {
      if (t.dtype() == proto::INT32) t.i32()[i] = static_cast<int32_t>(values[i]);
      else t.f32()[i] = static_cast<float>(values[i]);
    }
    (*ref)->value(id).data = values;
  }
  for (int id : g.params()) {
    for (int64_t i = 0; i < params.value(id).size(); ++i) (*ref)->value(id)[i] = params.value(id).f32()[i];
  }
  Tape tape;
  ASSERT_TRUE((*ex)->Forward(&tape).ok());
  (*ex)->Backward(tape);
  (*ref)->Forward();
  (*ref)->Backward();
  EXPECT_NEAR((*ex)->value(g.loss()).f32()[0], (*ref)->value(g.loss())[0], 1e-5);
  const double l2 = g.l2_penalty() >= 0 ? 2 * g.training().l2().lambda() : 0;
  for (int id : g.params()) {
    // The reference differentiates loss + L2; the training executor the loss alone.
    std::vector<double> want((*ref)->grad(id).data), got(params.grad(id).size());
    bool decayed = false;
    for (const std::string& name : g.training().l2().params()) decayed = decayed || name == g.value(id).name;
    for (size_t i = 0; i < want.size(); ++i) {
      if (decayed) want[i] -= l2 * params.value(id).f32()[i];
      got[i] = params.grad(id).f32()[i];
    }
    EXPECT_LE(Compare(got, want).max_rel, 1e-4) << g.name() << " grad/" << g.value(id).name;
  }
}

TEST(ExecutorTest, FusedKernelsMatchTheReference) {
  ExpectFusedMatchesReference(LoadModel("arch2.pbtxt"), 20, 3);
  ExpectFusedMatchesReference(LoadModel("arch5.pbtxt"), 7, 3);
  // A transposed weight matrix, matmul → relu without a bias, and a chain broken by a
  // second consumer (fc1_b feeds relu and an add): the dense pattern adapts or stays out.
  std::vector<std::string> lines = testing::TinyModelLines();
  lines[3] = R"(param { name: "W1" shape: [10, 128] init { he_normal { fan_in: 128 } } })";
  lines[11] = R"(node { name: "fc1" op: "matmul" input: ["conv_flat", "W1"] attr { name: "transpose_b" b: true } })";
  lines[9] = R"(node { name: "conv_relu" op: "relu" input: "conv" })";
  lines[15] = R"(node { name: "logits0" op: "bias_add" input: ["fc2", "b2"] } node { name: "logits" op: "add" input: ["logits0", "fc1_b"] })";
  absl::StatusOr<graph::Graph> g = testing::BuildText(testing::Join(lines));
  ASSERT_TRUE(g.ok()) << g.status();
  // conv+conv_relu; fc1+fc1_b (stops: fc1_b has two consumers); fc2+logits0.
  ExpectFusedMatchesReference(*g, 9, 3);
}

TEST(ExecutorTest, LabelOutOfRangeIsAnErrorNamingTheNode) {
  graph::Graph g = LoadModel("arch2.pbtxt");
  ParamStore params(g);
  ExecutorOptions options;
  options.batch = 3;
  absl::StatusOr<std::unique_ptr<Executor>> ex = Executor::Create(g, &params, options);
  ASSERT_TRUE(ex.ok());
  (*ex)->value(g.FedInput(proto::LABEL)).i32()[1] = 12;
  absl::Status s = (*ex)->Forward();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("node 'xent' (softmax_xent): label 12 of sample 1 is outside [0, 10)"));
}

}  // namespace
}  // namespace graphrun::runtime
