#include "runtime/schedule.h"

#include <algorithm>

namespace graphrun::runtime {

Schedule::Schedule(const proto::Training& training) : schedule_(training.schedule()) {
  const bool constant = schedule_.kind() == proto::Schedule::CONSTANT;
  cycle_starts_.push_back(0);
  if (constant) {
    total_ = schedule_.steps();
    cycle_starts_.push_back(total_);
  } else {
    int64_t half = schedule_.n_s();
    for (int c = 0; c < schedule_.cycles(); ++c) {
      total_ += 2 * half;
      cycle_starts_.push_back(total_);
      // Not after the last cycle: n_s·growth^cycles may overflow where the run's length does not.
      if (c + 1 < schedule_.cycles()) half *= schedule_.growth();
    }
  }
  const int64_t every = training.log_every();
  if (every > 0) {
    for (int64_t s = every; s < total_; s += every) log_points_.push_back(s);
  } else if (constant) {
    const int64_t tenth = std::max<int64_t>(1, total_ / 10);
    for (int64_t s = tenth; s < total_; s += tenth) log_points_.push_back(s);
  } else {
    for (size_t c = 0; c + 1 < cycle_starts_.size(); ++c) {
      const int64_t length = cycle_starts_[c + 1] - cycle_starts_[c];  // 2·h_c
      const int64_t quarter = std::max<int64_t>(1, length / 4);         // h_c / 2
      for (int64_t s = cycle_starts_[c] + quarter; s < cycle_starts_[c + 1]; s += quarter) {
        log_points_.push_back(s);
      }
      log_points_.push_back(cycle_starts_[c + 1]);
    }
  }
  log_points_.erase(std::remove_if(log_points_.begin(), log_points_.end(),
                                   [&](int64_t s) { return s >= total_; }),
                    log_points_.end());
  log_points_.push_back(total_);
}

int Schedule::Cycle(int64_t step) const {
  const auto it = std::upper_bound(cycle_starts_.begin(), cycle_starts_.end(), step);
  return std::max(0, static_cast<int>(it - cycle_starts_.begin()) - 1);
}

double Schedule::Rate(int64_t step) const {
  if (schedule_.kind() == proto::Schedule::CONSTANT) return schedule_.rate();
  const int c = std::min<int>(Cycle(step), static_cast<int>(cycle_starts_.size()) - 2);
  const double half = static_cast<double>(cycle_starts_[c + 1] - cycle_starts_[c]) / 2;
  const double t = static_cast<double>(step - cycle_starts_[c]);
  const double lo = schedule_.eta_min(), hi = schedule_.eta_max();
  return t <= half ? lo + t / half * (hi - lo) : hi - (t - half) / half * (hi - lo);
}

bool Schedule::IsLogPoint(int64_t step) const {
  return std::binary_search(log_points_.begin(), log_points_.end(), step);
}

}  // namespace graphrun::runtime
