#include "runtime/fusion.h"

#include <algorithm>

namespace graphrun::runtime {

FusionRegistry& FusionRegistry::Global() {
  static FusionRegistry* registry = new FusionRegistry;
  return *registry;
}

void FusionRegistry::Register(FusionPattern pattern) {
  patterns_.push_back(std::move(pattern));
  std::stable_sort(patterns_.begin(), patterns_.end(), [](const FusionPattern& a, const FusionPattern& b) {
    return a.head.size() > b.head.size();
  });
}

}  // namespace graphrun::runtime
