// Reading what a training run left in its directory (metrics.csv, summary.json,
// model.pbtxt) for `graphrun plot` and `graphrun compare`, and the facts derived from it:
// the learning-rate schedule as exact knots, and the architecture numbers f, nf, nh.
#ifndef GRAPHRUN_TOOLS_RUN_DIR_H_
#define GRAPHRUN_TOOLS_RUN_DIR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "proto/graph.pb.h"

namespace graphrun::tools {

// A piecewise-linear learning rate: the rate is linear between consecutive knots.
struct RateCurve {
  std::vector<int64_t> steps;
  std::vector<double> rates;
};

// The knots of `training`'s schedule over the whole run: every step where the slope of
// Schedule::Rate changes, plus both ends. Exact up to 1 000 000 updates; longer
// schedules are sampled at 100 000 evenly spaced steps first.
RateCurve ScheduleKnots(const proto::Training& training);

// One line: "triangular, 1e-05 to 0.1, n_s 800 doubling (×2), 4 cycles: 24000 updates".
std::string DescribeSchedule(const proto::Training& training);

// The study's architecture numbers, found generically in a graph; -1 when absent.
struct Architecture {
  int64_t f = -1;   // the `size` attr of the patchify node
  int64_t nf = -1;  // last dimension of the output of the node consuming the patches
  int64_t nh = -1;  // last dimension of the matmul consuming the flatten output
};
Architecture FindArchitecture(const graph::Graph& graph);

// metrics.csv, one vector per column, in file order.
struct Metrics {
  std::map<std::string, std::vector<double>> columns;
  size_t rows = 0;
  const std::vector<double>& operator[](const std::string& name) const { return columns.at(name); }
};
// The columns a run's metrics.csv must have (extra ones are kept, order is free).
const std::vector<std::string>& RequiredMetricsColumns();
// Parses metrics text; errors name `path` and the line.
absl::StatusOr<Metrics> ParseMetrics(const std::string& text, const std::string& path);

// summary.json of a finished run.
struct Summary {
  std::string model;
  int64_t steps = 0;
  int64_t parameters = -1;
  double test_accuracy = 0;  // fraction
  double test_loss = 0;
  double train_seconds = 0;
  double total_seconds = 0;
};
// Parses summary.json text; errors name `path` and the missing or malformed key.
absl::StatusOr<Summary> ParseSummary(const std::string& text, const std::string& path);

// Everything `plot` needs of one run directory.
struct Run {
  std::string dir;
  std::string model;  // summary.json's, else model.pbtxt's, else the directory's name
  Metrics metrics;
  std::optional<Summary> summary;  // absent: the run has not finished
  std::optional<proto::Training> training;  // from model.pbtxt, when it loads
  Architecture arch;
  int64_t steps = 0;        // updates done: summary.json's, else checkpoint.bin's, else
                            // the last metrics row's
  int64_t total_steps = 0;  // of the schedule (0: unknown)
  double train_seconds = 0;
  std::vector<std::string> notes;  // what could not be read but did not stop the plot
};

// Reads a run directory: metrics.csv is required; summary.json, model.pbtxt and (for an
// unfinished run) checkpoint.bin are used when present (a broken model.pbtxt or
// checkpoint is a note, a broken summary.json an error).
absl::StatusOr<Run> ReadRun(const std::string& dir);

}  // namespace graphrun::tools

#endif  // GRAPHRUN_TOOLS_RUN_DIR_H_
