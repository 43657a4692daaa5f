// Checks of a model's training section: every value in range, the run length finite.
#ifndef GRAPHRUN_GRAPH_TRAINING_CHECK_H_
#define GRAPHRUN_GRAPH_TRAINING_CHECK_H_

#include <string>
#include <vector>

#include "graph/model_file.h"
#include "proto/graph.pb.h"

namespace graphrun::graph {

// One problem, with the field it is about.
struct TrainingProblem {
  std::vector<FieldStep> where;
  std::string message;
};

// Largest number of updates a schedule may ask for.
inline constexpr int64_t kMaxSteps = int64_t{1} << 40;
// Largest number of log points (each evaluates the data and saves a checkpoint) and of
// schedule cycles a training section may ask for.
inline constexpr int64_t kMaxLogPoints = 1000000;
inline constexpr int64_t kMaxCycles = kMaxLogPoints / 4;

// All problems of `model.training()` (empty when it is fine).
std::vector<TrainingProblem> CheckTraining(const proto::Model& model);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_TRAINING_CHECK_H_
