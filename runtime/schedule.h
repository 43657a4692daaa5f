// The learning-rate schedule of a training section: its rate at every update, the run's
// length, and where the log points fall.
#ifndef GRAPHRUN_RUNTIME_SCHEDULE_H_
#define GRAPHRUN_RUNTIME_SCHEDULE_H_

#include <cstdint>
#include <vector>

#include "proto/graph.pb.h"

namespace graphrun::runtime {

class Schedule {
 public:
  // `training` must have passed graph validation (positive lengths, finite rates).
  explicit Schedule(const proto::Training& training);

  // Updates in the whole run.
  int64_t total_steps() const { return total_; }
  // The rate of update `step` (0-based). TRIANGULAR: cycle c (half-cycle h_c = n_s·g^c)
  // rises linearly from eta_min at its start to eta_max at h_c and falls back to eta_min
  // at 2·h_c, where the next cycle begins.
  double Rate(int64_t step) const;
  // The cycle that update `step` belongs to (0 for a CONSTANT schedule).
  int Cycle(int64_t step) const;
  // Steps after which the trainer evaluates and logs: every log_every updates, or every
  // h_c/2 of the current cycle when log_every is 0; always the last step.
  const std::vector<int64_t>& log_points() const { return log_points_; }
  bool IsLogPoint(int64_t step) const;

 private:
  proto::Schedule schedule_;
  std::vector<int64_t> cycle_starts_;  // plus the end
  std::vector<int64_t> log_points_;
  int64_t total_ = 0;
};

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_SCHEDULE_H_
