// `graphrun dump MODEL --out FILE.npz`: every tensor of one forward and backward pass.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/executor.h"
#include "runtime/npz.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/inputs.h"
#include "tools/model_loading.h"

namespace graphrun::tools {

namespace {

runtime::NpyArray ToNpy(const runtime::Tensor& t) {
  runtime::NpyArray a;
  a.shape = t.shape().dims();
  a.dtype = t.dtype() == proto::INT32 ? "i4" : "f4";
  a.values.resize(t.size());
  for (int64_t i = 0; i < t.size(); ++i) {
    a.values[i] = t.dtype() == proto::INT32 ? t.i32()[i] : t.f32()[i];
  }
  return a;
}

absl::Status Dump(const std::string& model, const std::string& out) {
  ASSIGN_OR_RETURN(graph::Graph g, LoadGraph(model));
  runtime::ParamStore params(g);
  RETURN_IF_ERROR(SetUpParams(&params));
  const int64_t n = absl::GetFlag(FLAGS_samples);
  ASSIGN_OR_RETURN(auto inputs, SampleInputs(g, n, /*use_data=*/true, g.training().seed()));
  runtime::ExecutorOptions options;
  options.batch = n;
  options.backward = true;
  for (size_t v = 0; v < g.values().size(); ++v) {
    if (g.value(v).kind == graph::Value::Kind::kNodeOutput) options.targets.push_back(static_cast<int>(v));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<runtime::Executor> ex, runtime::Executor::Create(g, &params, options));
  for (const auto& [id, values] : inputs) {
    runtime::Tensor& t = ex->value(id);
    for (int64_t i = 0; i < t.size(); ++i) {
      if (t.dtype() == proto::INT32) {
        t.i32()[i] = static_cast<int32_t>(values[i]);
      } else {
        t.f32()[i] = static_cast<float>(values[i]);
      }
    }
  }
  runtime::Tape tape;
  RETURN_IF_ERROR(ex->Forward(&tape));
  ex->Backward(tape);

  std::vector<std::pair<std::string, runtime::NpyArray>> arrays;
  for (int id : g.inputs()) arrays.emplace_back(g.value(id).name, ToNpy(ex->value(id)));
  for (const graph::Node& node : g.nodes()) {
    for (int v : node.outputs) arrays.emplace_back(g.value(v).name, ToNpy(ex->value(v)));
  }
  for (int id : g.params()) {
    arrays.emplace_back("param/" + g.value(id).name, ToNpy(params.value(id)));
    if (g.value(id).trainable) arrays.emplace_back("grad/" + g.value(id).name, ToNpy(ex->grad(id)));
  }
  runtime::NpyArray loss = ToNpy(ex->value(g.loss())), cost;
  cost.dtype = "f4";
  cost.values = {ex->Objective()};
  arrays.emplace_back("loss", loss);
  arrays.emplace_back("cost", cost);
  RETURN_IF_ERROR(runtime::WriteNpz(out, arrays));
  std::printf("wrote %s: %zu arrays (%lld samples; loss %.6f, cost %.6f)\n", out.c_str(),
              arrays.size(), static_cast<long long>(n), loss.values[0], cost.values[0]);
  return absl::OkStatus();
}

}  // namespace

int RunDump(const Args& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return UsageError("dump", "--out FILE.npz is required");
  absl::Status s = Dump(args[0], out);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace graphrun::tools
