#include "tools/inputs.h"

#include <random>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/cifar10.h"
#include "tools/data_loading.h"
#include "tools/flags.h"

namespace graphrun::tools {

absl::StatusOr<std::map<int, std::vector<double>>> SampleInputs(const graph::Graph& graph,
                                                                int64_t n, bool use_data,
                                                                uint64_t seed) {
  if (n < 1) return absl::InvalidArgumentError(absl::StrCat("--samples=", n, ": must be >= 1"));
  std::map<int, std::vector<double>> inputs;
  const int image = graph.FedInput(proto::IMAGE), label = graph.FedInput(proto::LABEL);
  int64_t classes = 10;
  if (graph.logits() >= 0) classes = graph.value(graph.logits()).type.shape.dim(1);
  if (use_data) {
    if (image < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph.source().path(), ": no input has `feed: IMAGE`, so no data can be fed"));
    }
    const graph::Shape& shape = graph.value(image).type.shape;
    if (shape.Product(1) != runtime::kCifarPixels) {
      return absl::InvalidArgumentError(absl::StrCat("input '", graph.value(image).name, "' is ",
                                                     shape.ToString(), ", CIFAR-10 images are N×3×32×32"));
    }
    ASSIGN_OR_RETURN(runtime::Cifar10 data, LoadData(graph));
    if (n > data.train.count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--samples=", n, ": the training split has ", data.train.count(), " images"));
    }
    std::vector<int64_t> indices(n);
    for (int64_t i = 0; i < n; ++i) indices[i] = i;
    std::vector<float> pixels(n * runtime::kCifarPixels);
    std::vector<int32_t> labels(n);
    data.Normalise(data.train, indices.data(), n, pixels.data(), labels.data());
    inputs[image].assign(pixels.begin(), pixels.end());
    if (label >= 0) inputs[label].assign(labels.begin(), labels.end());
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int64_t> uniform(0, classes - 1);
  for (int id : graph.inputs()) {
    if (inputs.count(id) > 0) continue;
    const graph::TensorType& t = graph.value(id).type;
    std::vector<double>& v = inputs[id];
    v.resize(t.shape.NumElements(n));
    for (double& x : v) x = t.dtype == proto::INT32 ? static_cast<double>(uniform(rng)) : normal(rng);
  }
  return inputs;
}

absl::Status SetUpParams(runtime::ParamStore* params) {
  params->Initialize(params->graph().training().seed());
  const std::string path = absl::GetFlag(FLAGS_params);
  if (!path.empty()) RETURN_IF_ERROR(params->LoadNpz(path));
  return absl::OkStatus();
}

}  // namespace graphrun::tools
