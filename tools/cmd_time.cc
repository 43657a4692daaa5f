// `graphrun time MODEL`: per-op forward and backward times, like `caffe time`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "graph/text.h"
#include "runtime/training_step.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/model_loading.h"

namespace graphrun::tools {

namespace {

constexpr int kWarmup = 20;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

struct OpRow {
  std::string node, op;
  double forward_ms = 0, backward_ms = 0;
  bool has_backward = false;
  double flops = 0;  // forward + backward per step
};

absl::Status Time(const std::string& model) {
  ASSIGN_OR_RETURN(graph::Graph g, LoadGraph(model));
  const int64_t steps = absl::GetFlag(FLAGS_steps);
  int64_t batch = absl::GetFlag(FLAGS_batch);
  if (steps < 1) return absl::InvalidArgumentError(absl::StrCat("--steps=", steps, ": must be >= 1"));
  if (batch == 0) batch = g.training().batch_size();
  if (batch < 1) return absl::InvalidArgumentError(absl::StrCat("--batch=", batch, ": must be >= 1"));
  runtime::ParamStore params(g);
  params.Initialize(g.training().seed());
  ASSIGN_OR_RETURN(std::unique_ptr<runtime::TrainingStep> step, runtime::TrainingStep::Create(g, &params, batch));
  runtime::Executor& ex = step->executor();
  // Random inputs: N(0, 1) images, uniform labels.
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  const int64_t classes = g.logits() >= 0 ? g.value(g.logits()).type.shape.dim(1) : 10;
  std::uniform_int_distribution<int32_t> label(0, static_cast<int32_t>(classes - 1));
  for (int id : g.inputs()) {
    runtime::Tensor& t = ex.value(id);
    for (int64_t i = 0; i < t.size(); ++i) {
      if (t.dtype() == proto::INT32) {
        t.i32()[i] = label(rng);
      } else {
        t.f32()[i] = normal(rng);
      }
    }
  }
  // A small constant rate keeps the parameters near their start over many steps.
  const double rate = 1e-4;
  for (int i = 0; i < kWarmup; ++i) RETURN_IF_ERROR(step->Run(rate));
  std::vector<double> forward, backward, update, total;
  for (int64_t i = 0; i < steps; ++i) {
    const double t0 = Now();
    RETURN_IF_ERROR(step->Forward());
    const double t1 = Now();
    step->Backward();
    const double t2 = Now();
    step->Update(rate);
    const double t3 = Now();
    forward.push_back(t1 - t0);
    backward.push_back(t2 - t1);
    update.push_back(t3 - t2);
    total.push_back(t3 - t0);
  }
  // Per-op times in a second pass: each kernel then waits for its own primitives.
  runtime::Profile profile;
  ex.set_profile(&profile);
  for (int64_t i = 0; i < steps; ++i) RETURN_IF_ERROR(step->Run(rate));
  ex.set_profile(nullptr);

  std::vector<OpRow> rows;
  double total_flops = 0, op_ms = 0;
  for (size_t u = 0; u < ex.units().size(); ++u) {
    const runtime::Unit& unit = ex.units()[u];
    OpRow r;
    std::vector<std::string> names, ops;
    r.forward_ms = 1e3 * Median(profile.forward_seconds[u]);
    r.has_backward = !profile.backward_seconds[u].empty();
    r.backward_ms = 1e3 * Median(profile.backward_seconds[u]);
    for (int n : unit.nodes) {
      names.push_back(g.node(n).name);
      ops.push_back(g.node(n).op->name);
    }
    r.flops = ex.UnitFlops(static_cast<int>(u), r.has_backward);
    r.node = absl::StrJoin(names, "+");
    r.op = unit.fusion.empty() ? ops[0] : absl::StrCat(unit.fusion, "(", absl::StrJoin(ops, "+"), ")");
    total_flops += r.flops;
    op_ms += r.forward_ms + r.backward_ms;
    rows.push_back(r);
  }
  const double step_ms = 1e3 * Median(total), forward_ms = 1e3 * Median(forward),
               backward_ms = 1e3 * Median(backward), update_ms = 1e3 * Median(update);
  const double gflops = total_flops / (step_ms * 1e-3) / 1e9;
  auto gf = [](double flops, double ms) { return ms > 0 && flops > 0 ? flops / (ms * 1e-3) / 1e9 : 0.0; };

  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> ops;
    for (const OpRow& r : rows) {
      ops.push_back(absl::StrFormat(
          "{\"node\": %s, \"op\": %s, \"forward_ms\": %.4f, \"backward_ms\": %.4f, "
          "\"share\": %.4f, \"gflops\": %.2f}",
          JsonString(r.node), JsonString(r.op), r.forward_ms, r.backward_ms, (r.forward_ms + r.backward_ms) / op_ms,
          gf(r.flops, r.forward_ms + r.backward_ms)));
    }
    std::printf("{\"model\": %s, \"batch\": %lld, \"steps\": %lld, \"step_ms\": %.4f, "
                "\"forward_ms\": %.4f, \"backward_ms\": %.4f, \"update_ms\": %.4f, \"mflop\": %.2f, "
                "\"gflops\": %.2f, \"ops\": [%s]}\n",
                JsonString(g.name()).c_str(), static_cast<long long>(batch), static_cast<long long>(steps), step_ms,
                forward_ms, backward_ms, update_ms, total_flops / 1e6, gflops,
                absl::StrJoin(ops, ", ").c_str());
    return absl::OkStatus();
  }
  std::printf("graphrun time %s: batch %lld, median of %lld steps after %d warm-up steps\n\n",
              g.name().c_str(), static_cast<long long>(batch), static_cast<long long>(steps), kWarmup);
  size_t w_node = 4, w_op = 2;
  for (const OpRow& r : rows) {
    w_node = std::max(w_node, DisplayWidth(r.node));
    w_op = std::max(w_op, DisplayWidth(r.op));
  }
  std::printf("%s %s %11s %12s %7s %9s\n", PadRight("node", w_node).c_str(), PadRight("op", w_op).c_str(),
              "forward ms", "backward ms", "share", "GFLOP/s");
  for (const OpRow& r : rows) {
    const double g_op = gf(r.flops, r.forward_ms + r.backward_ms);
    std::printf("%s %s %11.4f %12s %6.1f%% %9s\n", PadRight(r.node, w_node).c_str(), PadRight(r.op, w_op).c_str(),
                r.forward_ms, r.has_backward ? absl::StrFormat("%.4f", r.backward_ms).c_str() : "-",
                100 * (r.forward_ms + r.backward_ms) / op_ms,
                g_op > 0 ? absl::StrFormat("%.1f", g_op).c_str() : "-");
  }
  std::printf("\ntraining step %.3f ms: forward %.3f, backward %.3f, update %.3f; %.1f MFLOP, %.1f GFLOP/s\n",
              step_ms, forward_ms, backward_ms, update_ms, total_flops / 1e6, gflops);
  return absl::OkStatus();
}

}  // namespace

int RunTime(const Args& args) {
  absl::Status s = Time(args[0]);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace graphrun::tools
