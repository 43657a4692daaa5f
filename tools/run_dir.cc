#include "tools/run_dir.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "graph/model_file.h"
#include "graph/status.h"
#include "runtime/atomic_file.h"
#include "runtime/checkpoint.h"
#include "runtime/schedule.h"
#include "runtime/trainer.h"

namespace graphrun::tools {

namespace fs = std::filesystem;

RateCurve ScheduleKnots(const proto::Training& training) {
  const runtime::Schedule schedule(training);
  const int64_t total = schedule.total_steps();
  constexpr int64_t kExactLimit = 1000000, kSamples = 100000;
  std::vector<int64_t> steps;
  if (total <= kExactLimit) {
    for (int64_t s = 0; s <= total; ++s) steps.push_back(s);
  } else {
    for (int64_t i = 0; i <= kSamples; ++i) steps.push_back(total / kSamples * i + total % kSamples * i / kSamples);
  }
  std::vector<double> rates;
  rates.reserve(steps.size());
  double lo = 0, hi = 0;
  for (int64_t s : steps) {
    rates.push_back(schedule.Rate(s));
    lo = std::min(lo, rates.back());
    hi = std::max(hi, rates.back());
  }
  // Keep a point only where the slope changes (tolerance: rounding of the rate formula).
  const double tolerance = 1e-9 * std::max(hi - lo, 1e-300);
  RateCurve curve;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i > 0 && i + 1 < steps.size()) {
      const size_t k = curve.steps.size() - 1;  // the last kept knot
      const double slope_in = (rates[i] - curve.rates[k]) / static_cast<double>(steps[i] - curve.steps[k]);
      const double slope_out = (rates[i + 1] - rates[i]) / static_cast<double>(steps[i + 1] - steps[i]);
      const double gap = static_cast<double>(steps[i + 1] - curve.steps[k]);
      if (std::abs(slope_in - slope_out) * gap <= tolerance) continue;
    }
    curve.steps.push_back(steps[i]);
    curve.rates.push_back(rates[i]);
  }
  return curve;
}

std::string DescribeSchedule(const proto::Training& training) {
  const proto::Schedule& s = training.schedule();
  const runtime::Schedule schedule(training);
  if (s.kind() == proto::Schedule::CONSTANT) {
    return absl::StrFormat("constant %g: %d updates", s.rate(), schedule.total_steps());
  }
  const std::string growth = s.growth() == 1   ? "fixed"
                             : s.growth() == 2 ? "doubling (×2)"
                                               : absl::StrCat("growing ×", s.growth());
  return absl::StrFormat("triangular, %g to %g, n_s %d %s, %d cycle%s: %d updates", s.eta_min(),
                         s.eta_max(), s.n_s(), growth, s.cycles(), s.cycles() == 1 ? "" : "s",
                         schedule.total_steps());
}

namespace {

int64_t LastDim(const graph::Graph& g, int value) {
  const graph::Shape& shape = g.value(value).type.shape;
  return shape.rank() > 0 ? shape.dim(shape.rank() - 1) : -1;
}

const graph::Node* FirstNodeOf(const graph::Graph& g, const std::string& op) {
  for (const graph::Node& n : g.nodes()) {
    if (n.op->name == op) return &n;
  }
  return nullptr;
}

}  // namespace

Architecture FindArchitecture(const graph::Graph& g) {
  Architecture a;
  if (const graph::Node* patchify = FirstNodeOf(g, "patchify")) {
    if (patchify->attrs.Has("size")) a.f = patchify->attrs.GetInt("size");
    const std::vector<int>& consumers = g.value(patchify->outputs[0]).consumers;
    if (!consumers.empty()) a.nf = LastDim(g, g.node(consumers[0]).outputs[0]);
  }
  if (const graph::Node* flatten = FirstNodeOf(g, "flatten")) {
    for (int c : g.value(flatten->outputs[0]).consumers) {
      if (g.node(c).op->name == "matmul") {
        a.nh = LastDim(g, g.node(c).outputs[0]);
        break;
      }
    }
  }
  return a;
}

const std::vector<std::string>& RequiredMetricsColumns() {
  static const std::vector<std::string> columns = {
      "step",           "learning_rate", "train_loss", "train_cost",   "train_accuracy",
      "val_loss",       "val_cost",      "val_accuracy", "train_seconds"};
  return columns;
}

absl::StatusOr<Metrics> ParseMetrics(const std::string& text, const std::string& path) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  while (!lines.empty() && absl::StripAsciiWhitespace(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file, expected a header line"));
  std::vector<std::string> header = absl::StrSplit(absl::StripAsciiWhitespace(lines[0]), ',');
  Metrics m;
  for (const std::string& name : header) {
    if (m.columns.count(name) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":1: column '", name, "' appears twice"));
    }
    m.columns[name];
  }
  for (const std::string& name : RequiredMetricsColumns()) {
    if (m.columns.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":1: no column '", name, "' in the header (", lines[0], ")"));
    }
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<absl::string_view> fields = absl::StrSplit(absl::StripAsciiWhitespace(lines[i]), ',');
    if (fields.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": ", fields.size(),
                                                     " fields, the header has ", header.size()));
    }
    for (size_t j = 0; j < fields.size(); ++j) {
      double v;
      if (!absl::SimpleAtod(fields[j], &v)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": ", header[j], " '",
                                                       fields[j], "' is not a number"));
      }
      m.columns[header[j]].push_back(v);
    }
    const std::vector<double>& steps = m.columns["step"];
    if (steps.size() > 1 && !(steps.back() > steps[steps.size() - 2])) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", i + 1, ": step ", steps.back(),
                                                     " does not follow step ", steps[steps.size() - 2]));
    }
  }
  m.rows = lines.size() - 1;
  if (m.rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no rows yet (only the header)"));
  }
  return m;
}

absl::StatusOr<Summary> ParseSummary(const std::string& text, const std::string& path) {
  google::protobuf::Struct json;
  const auto parsed = google::protobuf::util::JsonStringToMessage(text, &json);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a JSON object: ", std::string(parsed.message())));
  }
  const auto& fields = json.fields();
  auto number = [&](const std::string& key, double* out) -> absl::Status {
    const auto it = fields.find(key);
    if (it == fields.end()) return absl::InvalidArgumentError(absl::StrCat(path, ": no \"", key, "\""));
    if (it->second.kind_case() != google::protobuf::Value::kNumberValue) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": \"", key, "\" is not a number"));
    }
    *out = it->second.number_value();
    return absl::OkStatus();
  };
  Summary s;
  double steps = 0, parameters = -1;
  RETURN_IF_ERROR(number("test_accuracy", &s.test_accuracy));
  RETURN_IF_ERROR(number("train_seconds", &s.train_seconds));
  RETURN_IF_ERROR(number("steps", &steps));
  if (fields.count("test_loss") > 0) RETURN_IF_ERROR(number("test_loss", &s.test_loss));
  if (fields.count("total_seconds") > 0) RETURN_IF_ERROR(number("total_seconds", &s.total_seconds));
  if (fields.count("parameters") > 0) RETURN_IF_ERROR(number("parameters", &parameters));
  if (!(s.test_accuracy >= 0 && s.test_accuracy <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"test_accuracy\" is ", s.test_accuracy, ", a fraction must lie in [0, 1]"));
  }
  s.steps = static_cast<int64_t>(steps);
  s.parameters = static_cast<int64_t>(parameters);
  if (const auto it = fields.find("model"); it != fields.end()) s.model = it->second.string_value();
  return s;
}

absl::StatusOr<Run> ReadRun(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return absl::NotFoundError(absl::StrCat(dir, ": no such run directory"));
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": not a directory (expected a run directory)"));
  }
  Run run;
  run.dir = dir;
  const std::string metrics_path = (fs::path(dir) / runtime::kMetricsFile).string();
  if (!fs::exists(metrics_path, ec)) {
    return absl::NotFoundError(absl::StrCat(dir, ": not a run directory: it has no ", runtime::kMetricsFile,
                                            " (graphrun train writes one)"));
  }
  ASSIGN_OR_RETURN(std::string metrics_text, runtime::ReadFile(metrics_path));
  ASSIGN_OR_RETURN(run.metrics, ParseMetrics(metrics_text, metrics_path));

  const std::string summary_path = (fs::path(dir) / runtime::kSummaryFile).string();
  if (fs::exists(summary_path, ec)) {
    ASSIGN_OR_RETURN(std::string text, runtime::ReadFile(summary_path));
    ASSIGN_OR_RETURN(run.summary, ParseSummary(text, summary_path));
  }

  const std::string model_path = (fs::path(dir) / runtime::kModelFile).string();
  std::string model_name;
  if (fs::exists(model_path, ec)) {
    absl::StatusOr<graph::ModelFile> file = graph::LoadModelFile(model_path);
    absl::StatusOr<graph::Graph> g = file.ok() ? graph::Graph::Build(*file) : file.status();
    if (g.ok()) {
      run.training = g->training();
      run.arch = FindArchitecture(*g);
      run.total_steps = runtime::Schedule(g->training()).total_steps();
      model_name = g->name();
    } else {
      run.notes.push_back(absl::StrCat(model_path, " does not load, so the schedule is drawn from ",
                                       runtime::kMetricsFile, "'s rows and f, nf, nh are unknown: ",
                                       g.status().message()));
    }
  } else {
    run.notes.push_back(absl::StrCat(dir, " has no ", runtime::kModelFile,
                                     ": the schedule is drawn from ", runtime::kMetricsFile,
                                     "'s rows and f, nf, nh are unknown"));
  }

  // Updates done and their time: summary.json's; for an unfinished run its checkpoint's
  // (saved where it stopped, possibly after the last logged row), else the last row's.
  run.steps = static_cast<int64_t>(run.metrics["step"].back());
  run.train_seconds = run.metrics["train_seconds"].back();
  const std::string checkpoint_path = (fs::path(dir) / runtime::kCheckpointFile).string();
  if (run.summary) {
    run.steps = run.summary->steps;
    run.train_seconds = run.summary->train_seconds;
  } else if (fs::exists(checkpoint_path, ec)) {
    absl::StatusOr<proto::Checkpoint> checkpoint = runtime::ReadCheckpoint(checkpoint_path);
    if (checkpoint.ok() && checkpoint->step() >= run.steps) {
      run.steps = checkpoint->step();
      run.train_seconds = checkpoint->train_seconds();
    } else if (!checkpoint.ok()) {
      run.notes.push_back(absl::StrCat("the run's progress is taken from ", runtime::kMetricsFile,
                                       ": ", checkpoint.status().message()));
    }
  }
  if (run.summary && !run.summary->model.empty()) {
    run.model = run.summary->model;
  } else if (!model_name.empty()) {
    run.model = model_name;
  } else {
    run.model = fs::path(dir).lexically_normal().filename().string();
    if (run.model.empty()) run.model = fs::path(dir).lexically_normal().parent_path().filename().string();
  }
  return run;
}

}  // namespace graphrun::tools
