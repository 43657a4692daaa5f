#include "runtime/training_step.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "graph/status.h"

namespace graphrun::runtime {

namespace {

// BF16 needs AVX-512 BF16 (oneDNN's avx512_core_bf16 or newer).
absl::Status CheckPrecision(const graph::Graph& graph) {
  if (graph.training().precision() != proto::BF16) return absl::OkStatus();
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const unsigned bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  const std::string where = graph.source().path().empty() ? "" : graph.source().path() + ": ";
  if ((isa & bf16) != bf16) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, "training.precision is BF16, which needs a CPU with AVX-512 BF16; this one offers "
               "oneDNN's ", CpuIsaName(), ". Use precision: FP32 (--set precision=FP32)."));
  }
  return absl::UnimplementedError(absl::StrCat(
      where, "training.precision BF16 is not implemented yet; use precision: FP32"));
}

}  // namespace

std::string CpuIsaName() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "another ISA";
  }
}

absl::StatusOr<std::unique_ptr<TrainingStep>> TrainingStep::Create(const graph::Graph& graph,
                                                                   ParamStore* params, int64_t batch) {
  RETURN_IF_ERROR(CheckPrecision(graph));
  std::unique_ptr<TrainingStep> step(new TrainingStep(graph));
  // The L2 penalty's gradient is applied by the optimiser as weight decay, so the step
  // differentiates the loss alone and never evaluates the penalty.
  ExecutorOptions options;
  options.batch = batch;
  options.backward = true;
  options.objective = {graph.loss()};
  ASSIGN_OR_RETURN(step->executor_, Executor::Create(graph, params, options));
  const double lambda = graph.l2_penalty() >= 0 ? graph.training().l2().lambda() : 0.0;
  ASSIGN_OR_RETURN(step->optimizer_, Sgd::Create(params, graph.training().optimizer().sgd(), lambda));
  return step;
}

absl::Status TrainingStep::Forward() { return executor_->Forward(&tape_); }
void TrainingStep::Backward() { executor_->Backward(tape_); }
void TrainingStep::Update(double rate) { optimizer_->Update(rate); }

float TrainingStep::loss() const { return executor_->value(graph_.loss()).f32()[0]; }

absl::Status TrainingStep::Run(double rate) {
  RETURN_IF_ERROR(Forward());
  if (!std::isfinite(loss())) {
    return absl::FailedPreconditionError(absl::StrFormat("the loss is %f", loss()));
  }
  Backward();
  Update(rate);
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
