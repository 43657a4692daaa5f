// `graphrun plot`, `graphrun compare` and `graphrun schedule`: pictures of runs.
// graphrun reads the run files and decides what to draw; tools/plot.py (matplotlib)
// only draws (tools/plotter.h).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "graph/status.h"
#include "runtime/atomic_file.h"
#include "runtime/schedule.h"
#include "runtime/trainer.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/model_loading.h"
#include "tools/plotter.h"
#include "tools/run_dir.h"

namespace graphrun::tools {

namespace {

namespace fs = std::filesystem;

constexpr char kCompareTable[] = "compare.md";
constexpr char kCompareAccuracy[] = "compare_accuracy.png";
constexpr char kCompareTime[] = "compare_time.png";
constexpr int64_t kCifarTrainImages = 50000;

std::string Percent(double fraction) { return absl::StrFormat("%.2f %%", 100 * fraction); }
std::string Dim(int64_t d) { return d < 0 ? "-" : absl::StrCat(d); }
std::string Join(const fs::path& dir, const std::string& file) { return (dir / file).string(); }

std::string ArchText(const Architecture& a) {
  if (a.f < 0 && a.nf < 0 && a.nh < 0) return "";
  return absl::StrCat("f=", Dim(a.f), ", nf=", Dim(a.nf), ", nh=", Dim(a.nh));
}

std::string TestAccuracyText(const Run& run) {
  if (run.summary) return absl::StrCat("test accuracy ", Percent(run.summary->test_accuracy));
  return absl::StrCat("test accuracy not available (unfinished run: step ", run.steps,
                      run.total_steps > 0 ? absl::StrCat(" of ", run.total_steps) : "", ")");
}

std::string ShortTestAccuracyText(const Run& run) {
  return run.summary ? TestAccuracyText(run)
                     : absl::StrCat("unfinished: step ", run.steps,
                                    run.total_steps > 0 ? absl::StrCat(" of ", run.total_steps) : "",
                                    ", no test accuracy");
}

// "f=4, nf=40, nh=300 · test accuracy 65.83 % · 24000 updates · 222.6 s of training"
std::string RunSubtitle(const Run& run) {
  std::vector<std::string> parts;
  if (const std::string arch = ArchText(run.arch); !arch.empty()) parts.push_back(arch);
  parts.push_back(ShortTestAccuracyText(run));
  if (run.summary) parts.push_back(absl::StrFormat("%d updates", run.steps));
  parts.push_back(absl::StrFormat("%.1f s of training", run.train_seconds));
  return absl::StrJoin(parts, "  ·  ");
}

// Updates per epoch from metrics.csv's epoch column (0 when it cannot tell).
double EpochSteps(const Run& run) {
  const auto it = run.metrics.columns.find("epoch");
  if (it == run.metrics.columns.end()) return 0;
  const std::vector<double>& steps = run.metrics["step"];
  for (size_t i = steps.size(); i-- > 0;) {
    if (it->second[i] > 0) return std::round(steps[i] / it->second[i]);
  }
  return 0;
}

// The cycles of a triangular schedule, for shading and labels.
std::string CyclesJson(const proto::Training& training) {
  const proto::Schedule& s = training.schedule();
  if (s.kind() == proto::Schedule::CONSTANT) return "[]";
  std::vector<std::string> cycles;
  int64_t start = 0, half = s.n_s();
  for (int c = 0; c < s.cycles(); ++c) {
    cycles.push_back(absl::StrCat("{\"start\": ", start, ", \"end\": ", start + 2 * half, ", \"label\": ",
                                  JsonString(absl::StrCat("cycle ", c + 1, "\nn_s=", half)), "}"));
    start += 2 * half;
    if (c + 1 < s.cycles()) half *= s.growth();  // (as Schedule: no overflow after the last)
  }
  return absl::StrCat("[", absl::StrJoin(cycles, ", "), "]");
}

std::vector<double> ToDoubles(const std::vector<int64_t>& v) { return std::vector<double>(v.begin(), v.end()); }

// A legend entry: "learning rate η (triangular, n_s 800 doubling)".
std::string ShortScheduleLabel(const proto::Training& training) {
  const proto::Schedule& s = training.schedule();
  if (s.kind() == proto::Schedule::CONSTANT) return "learning rate η (constant)";
  return absl::StrCat("learning rate η (triangular, n_s ", s.n_s(),
                      s.growth() == 1 ? " fixed" : s.growth() == 2 ? " doubling" : absl::StrCat(" ×", s.growth()), ")");
}

struct ScheduleFigureSpec {
  std::string path, title, subtitle;
  RateCurve curve;
  std::string curve_label;
  std::vector<double> logged_steps, logged_rates;
  std::string logged_label;
  std::string cycles = "[]";
  int64_t stopped_at = -1;
  double epoch_steps = 0;
};

Figure ScheduleFigure(const ScheduleFigureSpec& s) {
  return absl::StrCat(
      "{\"kind\": \"schedule\", \"path\": ", JsonString(s.path), ", \"title\": ", JsonString(s.title),
      ", \"subtitle\": ", JsonString(s.subtitle), ",\n \"curve\": {\"steps\": ", JsonNumbers(ToDoubles(s.curve.steps)),
      ", \"rates\": ", JsonNumbers(s.curve.rates), "}, \"curve_label\": ", JsonString(s.curve_label),
      ",\n \"log_points\": {\"steps\": ", JsonNumbers(s.logged_steps), ", \"rates\": ", JsonNumbers(s.logged_rates),
      "}, \"logged_label\": ", JsonString(s.logged_label), ", \"cycles\": ", s.cycles,
      ", \"stopped_at\": ", s.stopped_at >= 0 ? absl::StrCat(s.stopped_at) : "null",
      ", \"epoch_steps\": ", s.epoch_steps > 0 ? JsonNumber(s.epoch_steps) : "null", "}");
}

// lr.png, loss.png and accuracy.png of one run, written into `out_dir`.
std::vector<Figure> RunFigures(const Run& run, const fs::path& out_dir) {
  const std::string subtitle = RunSubtitle(run);
  const double epoch_steps = EpochSteps(run);
  const std::vector<double>& steps = run.metrics["step"];
  ScheduleFigureSpec lr;
  lr.path = Join(out_dir, "lr.png");
  lr.title = absl::StrCat(run.model, ": learning-rate schedule");
  lr.subtitle = subtitle;
  lr.logged_steps = steps;
  lr.logged_rates = run.metrics["learning_rate"];
  lr.logged_label = "logged in metrics.csv (evaluations)";
  lr.epoch_steps = epoch_steps;
  if (run.training) {
    lr.curve = ScheduleKnots(*run.training);
    lr.curve_label = ShortScheduleLabel(*run.training);
    lr.cycles = CyclesJson(*run.training);
    if (!run.summary && run.total_steps > 0 && run.steps < run.total_steps) lr.stopped_at = run.steps;
  } else {
    for (double s : steps) lr.curve.steps.push_back(static_cast<int64_t>(s));
    lr.curve.rates = run.metrics["learning_rate"];
    lr.curve_label = "learning rate at the log points (model.pbtxt unavailable)";
  }
  const std::string common = absl::StrCat(", \"subtitle\": ", JsonString(subtitle), ", \"steps\": ",
                                          JsonNumbers(steps), ", \"epoch_steps\": ",
                                          epoch_steps > 0 ? JsonNumber(epoch_steps) : "null");
  Figure loss = absl::StrCat("{\"kind\": \"loss\", \"path\": ", JsonString(Join(out_dir, "loss.png")),
                             ", \"title\": ", JsonString(absl::StrCat(run.model, ": loss and cost")), common);
  for (const char* c : {"train_loss", "val_loss", "train_cost", "val_cost"}) {
    absl::StrAppend(&loss, ",\n \"", c, "\": ", JsonNumbers(run.metrics[c]));
  }
  loss += "}";
  Figure accuracy = absl::StrCat(
      "{\"kind\": \"accuracy\", \"path\": ", JsonString(Join(out_dir, "accuracy.png")), ", \"title\": ",
      JsonString(absl::StrCat(run.model, ": accuracy")), common, ",\n \"train_accuracy\": ",
      JsonNumbers(run.metrics["train_accuracy"]), ",\n \"val_accuracy\": ", JsonNumbers(run.metrics["val_accuracy"]),
      ", \"test_accuracy\": ", run.summary ? JsonNumber(run.summary->test_accuracy) : "null", "}");
  return {ScheduleFigure(lr), loss, accuracy};
}

// The last component of a directory name, also when it ends in '/'.
std::string BaseName(const std::string& dir) {
  const fs::path p = fs::path(dir).lexically_normal();
  return p.has_filename() ? p.filename().string() : p.parent_path().filename().string();
}

// Each run's label in a comparison: its model's name, made unique with the directory.
std::vector<std::string> RunLabels(const std::vector<Run>& runs) {
  std::vector<std::string> labels;
  for (const Run& r : runs) {
    const int same = static_cast<int>(std::count_if(runs.begin(), runs.end(), [&](const Run& o) { return o.model == r.model; }));
    labels.push_back(same > 1 ? absl::StrCat(r.model, " (", BaseName(r.dir), ")")
                              : r.model);
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string label = labels[i];
    for (int k = 2; seen.count(label) > 0; ++k) label = absl::StrCat(labels[i], " #", k);
    seen.insert(label);
    labels[i] = label;
  }
  return labels;
}

std::string MarkdownCell(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}, {"\n", " "}}); }

// The Markdown table of compare.md: one row per run.
std::string CompareRows(const std::vector<Run>& runs, const std::vector<std::string>& labels) {
  std::string md =
      "| model | f | nf | nh | steps | test accuracy | training seconds | run |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    const std::string steps = r.summary || r.total_steps <= 0 ? absl::StrCat(r.steps)
                                                              : absl::StrCat(r.steps, " of ", r.total_steps);
    absl::StrAppend(&md, "| ", MarkdownCell(labels[i]), " | ", Dim(r.arch.f), " | ", Dim(r.arch.nf), " | ",
                    Dim(r.arch.nh), " | ", steps, " | ",
                    r.summary ? Percent(r.summary->test_accuracy) : "n/a", " | ",
                    absl::StrFormat("%.1f", r.train_seconds), " | ", MarkdownCell(r.dir), " |\n");
  }
  return md;
}

// compare.md: a title, the table, what the numbers mean and the two figures.
std::string CompareDocument(const std::vector<Run>& runs, const std::vector<std::string>& labels) {
  const bool unfinished = std::any_of(runs.begin(), runs.end(), [](const Run& r) { return !r.summary; });
  return absl::StrCat("# Comparison of ", runs.size(), " runs\n\n", CompareRows(runs, labels),
                      "\nTest accuracy on the test split at the end of training; training seconds count the "
                      "updates only (summary.json's train_seconds).",
                      unfinished ? " n/a: the run has not finished, so it has no test accuracy." : "",
                      "\n\n![test accuracy](", kCompareAccuracy, ")\n\n![training time](", kCompareTime, ")\n");
}

Figure BarFigure(const std::string& path, const std::string& title, const std::string& subtitle,
                 const std::vector<std::string>& labels, const std::vector<double>& values,
                 const std::string& ylabel, const std::string& unit) {
  return absl::StrCat("{\"kind\": \"bars\", \"path\": ", JsonString(path), ", \"title\": ", JsonString(title),
                      ", \"subtitle\": ", JsonString(subtitle), ", \"labels\": ", JsonStrings(labels),
                      ", \"values\": ", JsonNumbers(values), ", \"ylabel\": ", JsonString(ylabel),
                      ", \"unit\": ", JsonString(unit), "}");
}

std::vector<Figure> CompareFigures(const std::vector<Run>& runs, const std::vector<std::string>& labels,
                                   const fs::path& out_dir) {
  std::vector<std::string> ticks;
  std::vector<double> accuracy, seconds;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string arch = ArchText(runs[i].arch);
    ticks.push_back(arch.empty() ? labels[i] : absl::StrCat(labels[i], "\n", arch));
    accuracy.push_back(runs[i].summary ? runs[i].summary->test_accuracy : NAN);
    seconds.push_back(runs[i].train_seconds);
  }
  const std::string n = absl::StrCat(runs.size(), " runs");
  return {BarFigure(Join(out_dir, kCompareAccuracy), "Test accuracy by architecture",
                    absl::StrCat(n, "; accuracy on the test split at the end of training (n/a: unfinished)"),
                    ticks, accuracy, "test accuracy (%)", "percent"),
          BarFigure(Join(out_dir, kCompareTime), "Training time by architecture",
                    absl::StrCat(n, "; seconds of updates (evaluations, loading and checkpoints excluded)"),
                    ticks, seconds, "training time (s)", "seconds")};
}

absl::Status MakeDirectory(const std::string& dir, const std::string& what) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", dir, ": exists and is not a directory"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(what, " ", dir, ": cannot create: ", ec.message()));
  if (::access(dir.c_str(), W_OK) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(what, " ", dir, ": cannot write into it: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void Report(const Run& run) {
  const std::string state = run.summary ? absl::StrCat("finished after ", run.steps, " updates; ") : "";
  std::printf("%s: %s, %s%s, %.1f s of training\n", run.dir.c_str(), run.model.c_str(), state.c_str(),
              TestAccuracyText(run).c_str(), run.train_seconds);
  for (const std::string& note : run.notes) std::printf("  note: %s\n", note.c_str());
}

// Reads the runs, then draws each run's figures (into its directory, or `single_out`
// for a single run) and, for several runs, the comparison into `compare_out`.
absl::Status PlotRuns(const std::vector<std::string>& dirs, const std::string& single_out,
                      const std::string& compare_out) {
  std::vector<Run> runs;
  for (const std::string& dir : dirs) {
    ASSIGN_OR_RETURN(Run run, ReadRun(dir));
    Report(run);
    runs.push_back(std::move(run));
  }
  std::vector<Figure> figures;
  std::vector<std::string> written;
  for (const Run& run : runs) {
    const std::string out = runs.size() == 1 && !single_out.empty() ? single_out : run.dir;
    RETURN_IF_ERROR(MakeDirectory(out, runs.size() == 1 && !single_out.empty() ? "--out" : "run directory"));
    for (Figure& f : RunFigures(run, out)) figures.push_back(std::move(f));
    for (const char* name : {"lr.png", "loss.png", "accuracy.png"}) written.push_back(Join(out, name));
  }
  if (runs.size() > 1) {
    RETURN_IF_ERROR(MakeDirectory(compare_out, "--out"));
    const std::vector<std::string> labels = RunLabels(runs);
    const std::string table_path = Join(compare_out, kCompareTable);
    RETURN_IF_ERROR(runtime::WriteFileAtomically(table_path, CompareDocument(runs, labels)));
    std::printf("\n%s\nwrote %s\n", CompareRows(runs, labels).c_str(), table_path.c_str());
    for (Figure& f : CompareFigures(runs, labels, compare_out)) figures.push_back(std::move(f));
    written.push_back(Join(compare_out, kCompareAccuracy));
    written.push_back(Join(compare_out, kCompareTime));
  }
  std::fflush(stdout);
  RETURN_IF_ERROR(DrawFigures(figures));
  std::printf("wrote %s\n", absl::StrJoin(written, "\n      ").c_str());
  return absl::OkStatus();
}

// "a, b, c, …, y, z (n)" for long lists.
std::string ShortList(const std::vector<int64_t>& v) {
  if (v.size() <= 20) return absl::StrJoin(v, ", ");
  return absl::StrCat(absl::StrJoin(v.begin(), v.begin() + 10, ", "), ", …, ",
                      absl::StrJoin(v.end() - 3, v.end(), ", "), " (", v.size(), " in all)");
}

absl::Status ShowSchedule(const std::string& model_path) {
  ASSIGN_OR_RETURN(graph::Graph g, LoadGraph(model_path));
  const std::string out = absl::GetFlag(FLAGS_out).empty() ? absl::StrCat("schedule-", g.name(), ".png")
                                                           : absl::GetFlag(FLAGS_out);
  const proto::Training& training = g.training();
  const runtime::Schedule schedule(training);
  const int64_t train_images = kCifarTrainImages - training.data().validation_size();
  const int64_t epoch_steps = train_images / training.batch_size();
  std::printf("%s (%s): %s\n", g.name().c_str(), model_path.c_str(), DescribeSchedule(training).c_str());
  if (epoch_steps > 0) {
    std::printf("= %.2f epochs of %lld updates (batch %d, %lld CIFAR-10 training images after %d for validation)\n",
                static_cast<double>(schedule.total_steps()) / static_cast<double>(epoch_steps),
                static_cast<long long>(epoch_steps), training.batch_size(), static_cast<long long>(train_images),
                training.data().validation_size());
  }
  const RateCurve curve = ScheduleKnots(training);
  std::printf("\n%10s  %s   (linear in between)\n", "step", "learning rate");
  for (size_t i = 0; i < curve.steps.size(); ++i) {
    std::printf("%10lld  %g\n", static_cast<long long>(curve.steps[i]), curve.rates[i]);
  }
  std::printf("\nlog points (evaluations): %s\n", ShortList(schedule.log_points()).c_str());
  std::fflush(stdout);

  ScheduleFigureSpec spec;
  spec.path = out;
  spec.title = absl::StrCat(g.name(), ": learning-rate schedule");
  spec.subtitle = absl::StrCat(DescribeSchedule(training),
                               epoch_steps > 0 ? absl::StrFormat(" (%.1f epochs)", static_cast<double>(schedule.total_steps()) /
                                                                                       static_cast<double>(epoch_steps))
                                               : "");
  spec.curve = curve;
  spec.curve_label = ShortScheduleLabel(training);
  spec.logged_steps.push_back(0);
  spec.logged_rates.push_back(schedule.Rate(0));
  for (int64_t s : schedule.log_points()) {
    spec.logged_steps.push_back(static_cast<double>(s));
    spec.logged_rates.push_back(schedule.Rate(s));
  }
  spec.logged_label = "log points (the trainer evaluates here)";
  spec.cycles = CyclesJson(training);
  spec.epoch_steps = static_cast<double>(epoch_steps);
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty()) RETURN_IF_ERROR(MakeDirectory(parent.string(), "--out's directory"));
  RETURN_IF_ERROR(DrawFigures({ScheduleFigure(spec)}));
  std::printf("wrote %s\n", out.c_str());
  return absl::OkStatus();
}

}  // namespace

int RunPlot(const Args& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  const absl::Status s = PlotRuns(args, out, out.empty() ? runtime::DefaultRunDir("compare") : out);
  return s.ok() ? kExitOk : Fail(s);
}

int RunCompare(const Args& args) {
  // Every model file must load before the first one trains.
  std::vector<std::string> errors, names;
  for (const std::string& model : args) {
    absl::StatusOr<graph::Graph> g = LoadGraph(model);
    if (g.ok()) {
      names.push_back(g->name());
    } else {
      errors.push_back(std::string(g.status().message()));
    }
  }
  if (!errors.empty()) return Fail(absl::InvalidArgumentError(absl::StrJoin(errors, "\n")));
  const std::string out = absl::GetFlag(FLAGS_out).empty() ? runtime::DefaultRunDir("compare") : absl::GetFlag(FLAGS_out);
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    return Fail(absl::InvalidArgumentError(absl::StrCat("--out ", out, ": exists and is not a directory")));
  }
  if (const absl::Status plotting = CheckPlotting(); !plotting.ok()) {
    std::printf("note: %s\ncompare trains the models and writes %s, but cannot draw the figures.\n",
                std::string(plotting.message()).c_str(), kCompareTable);
  }
  std::vector<std::string> run_dirs;
  auto done = [&] {
    return run_dirs.empty() ? std::string("no run finished")
                            : absl::StrCat("finished runs: ", absl::StrJoin(run_dirs, " "),
                                           " (graphrun plot them to compare)");
  };
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<std::string> created = runtime::CreateRunDir(names[i]);
    if (!created.ok()) return Fail(created.status());
    const std::string run_dir = *created;
    std::printf("\n[%zu/%zu] %s -> %s\n", i + 1, args.size(), args[i].c_str(), run_dir.c_str());
    std::fflush(stdout);
    absl::StatusOr<runtime::TrainOutcome> outcome = TrainModel(args[i], run_dir, false);
    if (!outcome.ok()) {
      return Fail(absl::Status(outcome.status().code(),
                               absl::StrCat(outcome.status().message(), "\ncompare stopped at ", args[i], "; ", done())));
    }
    run_dirs.push_back(run_dir);
    if (outcome->signal != 0) {
      std::fprintf(stderr, "interrupted by signal %d; %s is resumable with graphrun train --resume %s; %s\n",
                   outcome->signal, run_dir.c_str(), run_dir.c_str(), done().c_str());
      return 128 + outcome->signal;
    }
  }
  std::printf("\n");
  const absl::Status s = PlotRuns(run_dirs, "", out);
  return s.ok() ? kExitOk : Fail(s);
}

int RunSchedule(const Args& args) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (!out.empty()) {
    const std::string ext = absl::AsciiStrToLower(fs::path(out).extension().string());
    if (ext != ".png" && ext != ".svg" && ext != ".pdf") {
      return UsageError("schedule", absl::StrCat("--out ", out, ": name a .png file (or .svg, .pdf)"));
    }
  }
  const absl::Status s = ShowSchedule(args[0]);
  return s.ok() ? kExitOk : Fail(s);
}

}  // namespace graphrun::tools
