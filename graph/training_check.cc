#include "graph/training_check.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace graphrun::graph {

namespace {

// A log point evaluates the data and writes a checkpoint: a run asking for more than
// kMaxLogPoints of them (say log_every 1 over 2^40 updates) is a mistake.
template <typename Add>
void CheckLogPoints(const proto::Training& t, double total_steps, Add& add) {
  if (t.log_every() <= 0) return;
  const double points = total_steps / static_cast<double>(t.log_every());
  if (points > kMaxLogPoints) {
    add({{"log_every", 0}},
        absl::StrCat("training.log_every is ", t.log_every(), ": ", static_cast<int64_t>(total_steps),
                     " updates would make more than ", kMaxLogPoints,
                     " log points (each evaluates and saves a checkpoint); raise it"));
  }
}

}  // namespace

std::vector<TrainingProblem> CheckTraining(const proto::Model& model) {
  std::vector<TrainingProblem> problems;
  const proto::Training& t = model.training();
  auto at = [](std::vector<FieldStep> path) {
    std::vector<FieldStep> where = {{"training", 0}};
    where.insert(where.end(), path.begin(), path.end());
    return where;
  };
  auto add = [&](std::vector<FieldStep> path, std::string message) {
    problems.push_back({at(std::move(path)), std::move(message)});
  };
  if (t.batch_size() < 1) {
    add({{"batch_size", 0}}, absl::StrCat("training.batch_size is ", t.batch_size(), ", must be >= 1"));
  }
  if (t.eval_batch_size() < 1) {
    add({{"eval_batch_size", 0}},
        absl::StrCat("training.eval_batch_size is ", t.eval_batch_size(), ", must be >= 1"));
  }
  if (t.log_every() < 0) {
    add({{"log_every", 0}}, absl::StrCat("training.log_every is ", t.log_every(), ", must be >= 0"));
  }
  const float momentum = t.optimizer().sgd().momentum();
  if (!(momentum >= 0 && momentum < 1)) {
    add({{"optimizer", 0}, {"sgd", 0}, {"momentum", 0}},
        absl::StrCat("training.optimizer.sgd.momentum is ", momentum, ", must be in [0, 1)"));
  }
  const proto::L2& l2 = t.l2();
  if (!(l2.lambda() >= 0) || !std::isfinite(l2.lambda())) {
    add({{"l2", 0}, {"lambda", 0}}, absl::StrCat("training.l2.lambda is ", l2.lambda(),
                                                 ", must be a finite number >= 0"));
  }
  if (t.data().validation_size() < 0) {
    add({{"data", 0}, {"validation_size", 0}},
        absl::StrCat("training.data.validation_size is ", t.data().validation_size(),
                     ", must be >= 0"));
  }

  const proto::Schedule& s = t.schedule();
  auto sched = [&](const char* field, std::string message) {
    add({{"schedule", 0}, {field, 0}}, absl::StrCat("training.schedule.", field, " ", message));
  };
  if (s.kind() == proto::Schedule::CONSTANT) {
    if (!(s.rate() > 0) || !std::isfinite(s.rate())) {
      sched("rate", absl::StrCat("is ", s.rate(), ", must be a finite number > 0"));
    }
    if (s.steps() < 1 || s.steps() > kMaxSteps) {
      sched("steps", absl::StrCat("is ", s.steps(), ", must be in [1, 2^40]"));
    } else {
      CheckLogPoints(t, static_cast<double>(s.steps()), add);
    }
    return problems;
  }
  if (!(s.eta_min() >= 0) || !std::isfinite(s.eta_min())) {
    sched("eta_min", absl::StrCat("is ", s.eta_min(), ", must be a finite number >= 0"));
  }
  if (!(s.eta_max() >= s.eta_min()) || !std::isfinite(s.eta_max())) {
    sched("eta_max", absl::StrCat("is ", s.eta_max(), ", must be finite and >= eta_min (",
                                  s.eta_min(), ")"));
  }
  if (s.n_s() < 1) sched("n_s", absl::StrCat("is ", s.n_s(), ", must be >= 1"));
  if (s.cycles() < 1) sched("cycles", absl::StrCat("is ", s.cycles(), ", must be >= 1"));
  if (s.growth() < 1) sched("growth", absl::StrCat("is ", s.growth(), ", must be >= 1"));
  if (s.cycles() > kMaxCycles) {
    // Each cycle has four log points of its own (and the schedule keeps one entry per cycle).
    sched("cycles", absl::StrCat("is ", s.cycles(), ": with four log points a cycle that is more than ",
                                 kMaxLogPoints, " log points; at most ", kMaxCycles, " cycles"));
  } else if (s.n_s() >= 1 && s.cycles() >= 1 && s.growth() >= 1) {
    // Total updates: 2·n_s·(1 + g + … + g^(cycles-1)), computed without overflow (in
    // doubles, and at most kMaxCycles terms).
    double total = 0, half = static_cast<double>(s.n_s());
    for (int c = 0; c < s.cycles() && total <= kMaxSteps; ++c, half *= s.growth()) total += 2 * half;
    if (total > kMaxSteps) {
      sched("cycles", absl::StrCat("with n_s ", s.n_s(), " and growth ", s.growth(),
                                   " asks for more than 2^40 updates"));
    } else {
      CheckLogPoints(t, total, add);
    }
  }
  return problems;
}

}  // namespace graphrun::graph
