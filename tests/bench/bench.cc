// Microbenchmarks (Google Benchmark): every op's forward and backward at the study's
// shapes (arch1-arch5, batch 100), a whole training step per architecture, evaluation
// throughput, and the oneDNN sgemm peak of this machine, each with a GFLOP/s counter (of
// wall time: oneDNN runs on both cores) so that any result reads as a fraction of the peak.
//
//   build/tests/graphrun_bench                          # everything (about a minute)
//   build/tests/graphrun_bench --benchmark_filter=Step  # training steps only
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/model_file.h"
#include "absl/strings/str_cat.h"
#include "runtime/dnnl_util.h"
#include "runtime/evaluator.h"
#include "runtime/executor.h"
#include "runtime/training_step.h"

namespace graphrun {
namespace {

using runtime::Tensor;

const char* const kModels[] = {"arch1", "arch2", "arch3", "arch4", "arch5"};

// A model, its parameters and random inputs, kept alive for the whole run.
struct Fixture {
  std::unique_ptr<graph::Graph> graph;
  std::unique_ptr<runtime::ParamStore> params;
};

Fixture* Load(const std::string& name) {
  auto* f = new Fixture;
  absl::StatusOr<graph::ModelFile> file =
      graph::LoadModelFile(std::string(GRAPHRUN_SOURCE_DIR "/models/") + name + ".pbtxt");
  if (!file.ok()) return nullptr;
  absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
  if (!g.ok()) return nullptr;
  f->graph = std::make_unique<graph::Graph>(*std::move(g));
  f->params = std::make_unique<runtime::ParamStore>(*f->graph);
  f->params->Initialize(1);
  return f;
}

void FillInputs(const graph::Graph& g, runtime::Executor& ex) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (int id : g.inputs()) {
    Tensor& t = ex.value(id);
    for (int64_t i = 0; i < t.size(); ++i) {
      if (t.dtype() == proto::INT32) {
        t.i32()[i] = static_cast<int32_t>(i % 10);
      } else {
        t.f32()[i] = normal(rng);
      }
    }
  }
}

void RegisterOps(const std::string& name, Fixture* f) {
  // The ops as registered (no fusion), in an executor that also runs backward.
  runtime::ExecutorOptions options;
  options.batch = 100;
  options.backward = true;
  options.fuse = false;
  auto ex = runtime::Executor::Create(*f->graph, f->params.get(), options);
  if (!ex.ok()) return;
  runtime::Executor* executor = ex->release();
  FillInputs(*f->graph, *executor);
  runtime::Tape tape;
  (void)executor->Forward(&tape);
  executor->Backward(tape);
  for (size_t u = 0; u < executor->units().size(); ++u) {
    const runtime::Unit& unit = executor->units()[u];
    const graph::Node& node = f->graph->node(unit.last());
    const double flops = executor->UnitFlops(static_cast<int>(u), false);
    const std::string base = absl::StrCat("Op/", name, "/", node.name, "(", node.op->name, ")");
    benchmark::RegisterBenchmark((base + "/forward").c_str(), [executor, u, flops](benchmark::State& state) {
      dnnl::stream& stream = runtime::CpuEngine().stream;
      for (auto _ : state) {
        (void)executor->unit_kernel(static_cast<int>(u)).Forward(stream);
        stream.wait();
      }
      if (flops > 0) state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    })->UseRealTime();
    if (!executor->unit_has_backward(static_cast<int>(u))) continue;
    const double backward_flops = executor->UnitFlops(static_cast<int>(u), true) - flops;
    benchmark::RegisterBenchmark((base + "/backward").c_str(), [executor, u, backward_flops](benchmark::State& state) {
      dnnl::stream& stream = runtime::CpuEngine().stream;
      for (auto _ : state) {
        executor->unit_kernel(static_cast<int>(u)).Backward(stream);
        stream.wait();
      }
      if (backward_flops > 0) {
        state.counters["GFLOP/s"] = benchmark::Counter(backward_flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
      }
    })->UseRealTime();
  }
}

void RegisterStepAndEval(const std::string& name, Fixture* f) {
  benchmark::RegisterBenchmark(("Step/" + name).c_str(), [f](benchmark::State& state) {
    auto step = runtime::TrainingStep::Create(*f->graph, f->params.get(), 100);
    if (!step.ok()) {
      state.SkipWithError(std::string(step.status().message()).c_str());
      return;
    }
    FillInputs(*f->graph, (*step)->executor());
    double flops = 0;
    const runtime::Executor& ex = (*step)->executor();
    for (size_t u = 0; u < ex.units().size(); ++u) {
      flops += ex.UnitFlops(static_cast<int>(u), ex.unit_has_backward(static_cast<int>(u)));
    }
    for (auto _ : state) (void)(*step)->Run(1e-4);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  })->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark(("Eval/" + name).c_str(), [f](benchmark::State& state) {
    runtime::ExecutorOptions options;
    options.batch = 1000;
    options.targets = {f->graph->loss(), f->graph->predictions()};
    auto ex = runtime::Executor::Create(*f->graph, f->params.get(), options);
    if (!ex.ok()) {
      state.SkipWithError(std::string(ex.status().message()).c_str());
      return;
    }
    FillInputs(*f->graph, **ex);
    for (auto _ : state) (void)(*ex)->Forward();
    state.counters["images/s"] = benchmark::Counter(1000, benchmark::Counter::kIsIterationInvariantRate);
  })->Unit(benchmark::kMillisecond)->UseRealTime();
}

// The data feed of one training batch: 100 random images normalised from uint8 into the
// images input, then cut into patches (what the trainer does before every step).
void Feed(benchmark::State& state) {
  Fixture* f = Load("arch5");
  runtime::Cifar10 data;
  data.train.pixels.resize(5000 * runtime::kCifarPixels);
  data.train.labels.resize(5000);
  for (size_t i = 0; i < data.train.pixels.size(); ++i) data.train.pixels[i] = static_cast<uint8_t>(i * 7);
  data.mean.assign(runtime::kCifarPixels, 120.f);
  data.inv_std.assign(runtime::kCifarPixels, 1.f / 60.f);
  runtime::ExecutorOptions options;
  options.batch = 100;
  options.targets = {f->graph->FindValue("patches")};
  auto ex = runtime::Executor::Create(*f->graph, f->params.get(), options);
  std::vector<int64_t> indices(100);
  std::mt19937 rng(1);
  for (int64_t& i : indices) i = rng() % 5000;
  for (auto _ : state) {
    runtime::FeedBatch(data, data.train, indices.data(), 100, *f->graph, ex->get());
    (void)(*ex)->Forward();
  }
  state.counters["images/s"] = benchmark::Counter(100, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(Feed)->UseRealTime();

// The machine's single-precision matrix-multiply peak through oneDNN.
void SgemmPeak(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto& e = runtime::CpuEngine().engine;
  const dnnl::memory::desc md = runtime::Matrix(n, n);
  dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), e));
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  dnnl::memory ma(md, e, a.data()), mb(md, e, b.data()), mc(md, e, c.data());
  dnnl::stream& stream = runtime::CpuEngine().stream;
  for (auto _ : state) {
    mm.execute(stream, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    stream.wait();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(SgemmPeak)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace graphrun

int main(int argc, char** argv) {
  for (const char* name : graphrun::kModels) {
    graphrun::Fixture* f = graphrun::Load(name);
    if (f == nullptr) {
      std::fprintf(stderr, "graphrun_bench: cannot load models/%s.pbtxt\n", name);
      return 1;
    }
    graphrun::RegisterOps(name, f);
    graphrun::RegisterStepAndEval(name, f);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
