#include "runtime/params.h"

#include <cmath>

namespace graphrun::runtime {

ParamStore::ParamStore(const graph::Graph& graph) : graph_(graph), ids_(graph.params()) {
  for (int id : ids_) {
    values_[id] = Tensor::Allocate(graph.value(id).type);
    grads_[id] = Tensor::Allocate(graph.value(id).type);
  }
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

}  // namespace graphrun::runtime
