#include "runtime/params.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/npz.h"

namespace graphrun::runtime {

ParamStore::ParamStore(const graph::Graph& graph) : graph_(graph), ids_(graph.params()) {
  const proto::L2& l2 = graph.training().l2();
  auto decays = [&](int id) {
    if (!(l2.lambda() > 0)) return false;
    for (const std::string& name : l2.params()) {
      if (name == graph.value(id).name) return true;
    }
    return false;
  };
  // Group 0: decayed and trainable; 1: trainable; 2: frozen.
  auto group = [&](int id) { return !graph.value(id).trainable ? 2 : decays(id) ? 0 : 1; };
  std::vector<int> order = ids_;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return group(a) < group(b); });
  constexpr int64_t kAlign = 16;  // floats: 64 bytes
  std::map<int, int64_t> offsets;
  int64_t total = 0;
  int64_t group_end[3] = {0, 0, 0};
  for (int id : order) {
    offsets[id] = total;
    total += (graph.value(id).type.shape.NumElements() + kAlign - 1) / kAlign * kAlign;
    group_end[group(id)] = total;
  }
  group_end[1] = std::max(group_end[1], group_end[0]);
  const graph::TensorType arena{proto::FLOAT32, graph::Shape({std::max<int64_t>(total, 1)})};
  value_arena_ = Tensor::Allocate(arena);
  grad_arena_ = Tensor::Allocate(arena);
  for (int id : ids_) {
    values_[id] = Tensor::View(graph.value(id).type, value_arena_.f32() + offsets[id]);
    grads_[id] = Tensor::View(graph.value(id).type, grad_arena_.f32() + offsets[id]);
  }
  decayed_ = {0, group_end[0]};
  undecayed_ = {group_end[0], group_end[1] - group_end[0]};
}

void ParamStore::Initialize(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int id : ids_) {
    const graph::Value& v = graph_.value(id);
    const proto::Initializer& init = graph_.model().param(v.source_index).init();
    Tensor& t = values_[id];
    float* w = t.f32();
    const int64_t n = t.size();
    switch (init.kind_case()) {
      case proto::Initializer::kHeNormal: {
        int64_t fan_in = init.he_normal().fan_in();
        if (fan_in == 0) fan_in = v.type.shape.rank() > 1 ? v.type.shape.Product(0, v.type.shape.rank() - 1) : 1;
        std::normal_distribution<double> normal(0.0, std::sqrt(2.0 / static_cast<double>(fan_in)));
        for (int64_t i = 0; i < n; ++i) w[i] = static_cast<float>(normal(rng));
        break;
      }
      case proto::Initializer::kNormal: {
        std::normal_distribution<double> normal(init.normal().mean(), init.normal().stddev());
        for (int64_t i = 0; i < n; ++i) w[i] = static_cast<float>(normal(rng));
        break;
      }
      case proto::Initializer::kConstant:
        for (int64_t i = 0; i < n; ++i) w[i] = init.constant().value();
        break;
      case proto::Initializer::kZeros:
      case proto::Initializer::KIND_NOT_SET:
        for (int64_t i = 0; i < n; ++i) w[i] = 0.f;
        break;
    }
  }
}

absl::Status ParamStore::LoadNpz(const std::string& path) {
  absl::StatusOr<NpzArrays> arrays = ReadNpz(path);
  if (!arrays.ok()) return arrays.status();
  for (int id : ids_) {
    const graph::Value& v = graph_.value(id);
    auto it = arrays->find(v.name);
    if (it == arrays->end()) it = arrays->find("param/" + v.name);
    if (it == arrays->end()) {
      return absl::NotFoundError(absl::StrCat(path, ": no array '", v.name, "' (or 'param/", v.name,
                                              "') for parameter '", v.name, "'"));
    }
    const NpyArray& a = it->second;
    if (a.shape != v.type.shape.dims()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": array '", it->first, "' has shape (", absl::StrJoin(a.shape, ", "),
          ") but parameter '", v.name, "' is ", v.type.shape.ToString()));
    }
    float* w = values_[id].f32();
    for (size_t i = 0; i < a.values.size(); ++i) w[i] = static_cast<float>(a.values[i]);
  }
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
