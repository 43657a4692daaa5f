// graphrun plot, compare and schedule: the figures are real PNG files of the stated size
// with more than one colour, compare.md has one right row per run, every failure says
// what is wrong (and what to install when matplotlib is missing).
#include <stdlib.h>
#include <sys/wait.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "graph/model_file.h"
#include "gtest/gtest.h"
#include "runtime/schedule.h"
#include "tests/cifar_fixture.h"
#include "tests/cli_util.h"
#include "tests/test_util.h"
#include "tools/plotter.h"
#include "tools/run_dir.h"
#include "tools/model_loading.h"

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// ---- A minimal PNG reader: enough to check that a figure is a whole, real picture. ----

struct Png {
  std::string error;  // empty: valid
  uint32_t width = 0, height = 0;
  size_t colours = 0;  // distinct pixel values
};

uint32_t BigEndian(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

int Paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Checks the signature, every chunk's CRC, IHDR (8-bit RGB or RGBA, not interlaced),
// inflates the IDAT stream, undoes the row filters and counts the distinct colours.
Png ReadPng(const std::string& path) {
  Png png;
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(data, kSignature, 8) != 0) return {path + ": no PNG signature"};
  std::string idat;
  int channels = 0;
  bool ended = false;
  for (size_t at = 8; at < bytes.size() && !ended;) {
    if (at + 12 > bytes.size()) return {path + ": truncated chunk"};
    const uint32_t length = BigEndian(data + at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) return {path + ": chunk " + type + " runs past the end"};
    const unsigned char* body = data + at + 8;
    if (crc32(crc32(0, nullptr, 0), data + at + 4, length + 4) != BigEndian(body + length)) {
      return {path + ": bad CRC in chunk " + type};
    }
    if (type == "IHDR") {
      png.width = BigEndian(body);
      png.height = BigEndian(body + 4);
      if (body[8] != 8 || (body[9] != 2 && body[9] != 6) || body[12] != 0) {
        return {path + ": not 8-bit non-interlaced RGB(A)"};
      }
      channels = body[9] == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(body), length);
    } else if (type == "IEND") {
      ended = true;
    }
    at += 12 + length;
  }
  if (channels == 0 || !ended || idat.empty()) return {path + ": missing IHDR, IDAT or IEND"};
  const size_t stride = size_t{png.width} * channels;
  std::vector<unsigned char> raw((stride + 1) * png.height);
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      size != raw.size()) {
    return {path + ": the image data does not inflate to " + std::to_string(raw.size()) + " bytes"};
  }
  std::vector<unsigned char> previous(stride, 0), row(stride);
  std::set<uint32_t> colours;
  for (uint32_t y = 0; y < png.height; ++y) {
    const unsigned char* line = raw.data() + y * (stride + 1);
    const int filter = line[0];
    if (filter > 4) return {path + ": bad filter type " + std::to_string(filter)};
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= static_cast<size_t>(channels) ? row[x - channels] : 0;
      const int b = previous[x], c = x >= static_cast<size_t>(channels) ? previous[x - channels] : 0;
      const int predictor = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2 : Paeth(a, b, c);
      row[x] = static_cast<unsigned char>(line[1 + x] + predictor);
    }
    for (uint32_t x = 0; x < png.width; ++x) {
      uint32_t v = 0;
      for (int k = 0; k < channels; ++k) v = v << 8 | row[x * channels + k];
      colours.insert(v);
    }
    previous.swap(row);
  }
  png.colours = colours.size();
  return png;
}

// A figure as the issue states it: a valid PNG of 1000×700 pixels, more than one colour.
void ExpectFigure(const std::string& path) {
  ASSERT_TRUE(fs::exists(path)) << path;
  const Png png = ReadPng(path);
  ASSERT_EQ(png.error, "") << path;
  EXPECT_EQ(png.width, 1000u) << path;
  EXPECT_EQ(png.height, 700u) << path;
  EXPECT_EQ(png.width, static_cast<uint32_t>(tools::kFigureWidth));
  EXPECT_EQ(png.height, static_cast<uint32_t>(tools::kFigureHeight));
  EXPECT_GT(png.colours, 1u) << path;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// ---- Small models trained on generated data. ----

// A patchify network with filter size f (nf = 8 filters, nh = 32 hidden units).
std::string WriteModel(const std::string& dir, const std::string& name, int f) {
  const std::string path = dir + "/" + name + ".pbtxt";
  std::ofstream(path) << SmallNetText(name, f, 0, R"(  batch_size: 50
  schedule { n_s: 20 cycles: 2 growth: 2 eta_max: 0.1 }
  l2 { lambda: 0.001 params: ["F", "W1", "W2"] }
  data { validation_size: 100 }
  eval_batch_size: 100
  seed: 3
)");
  return path;
}

// The test accuracy in a summary.json, formatted as compare.md writes it ("93.00 %").
std::string SummaryAccuracy(const std::string& run) {
  const std::string json = ReadText(run + "/summary.json");
  const size_t at = json.find("\"test_accuracy\": ");
  if (at == std::string::npos) return "?";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f %%", 100 * std::stod(json.substr(at + 17)));
  return text;
}

class PlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // oneDNN's OpenMP threads spin while they wait; with ctest -j2 on two cores the
    // trainings here then take 3 to 9 times longer. Sleeping waits keep them fast.
    ::setenv("OMP_WAIT_POLICY", "passive", 0);
    dir_ = WriteCifarDir("plot_data", 200, 300);
    small_ = WriteModel(dir_, "small", 8);
    small4_ = WriteModel(dir_, "small4", 4);
  }
  void TearDown() override {
    ::unsetenv("GRAPHRUN_PYTHON");
    ::unsetenv("PYTHONPATH");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Trains `model` into dir_/run; returns the run directory.
  std::string Train(const std::string& model, const std::string& run, const std::string& extra = "") {
    const std::string out = dir_ + "/" + run;
    const CliResult r = RunGraphrun("train " + model + " --data_dir " + dir_ + " --out_dir " + out + " " + extra);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
  }
  std::string dir_, small_, small4_;
};

TEST_F(PlotTest, DrawsTheThreeFiguresOfARun) {
  const std::string run = Train(small_, "run");
  const CliResult r = RunGraphrun("plot " + run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("small, finished after 120 updates; test accuracy " + SummaryAccuracy(run)));
  for (const char* name : {"lr.png", "loss.png", "accuracy.png"}) {
    ExpectFigure(run + "/" + name);
    EXPECT_THAT(r.output, HasSubstr(run + "/" + name));
  }
  EXPECT_FALSE(fs::exists(run + "/compare.md"));  // one run: no comparison
  // --out puts a single run's figures elsewhere (a read-only run, a copy).
  const CliResult elsewhere = RunGraphrun("plot " + run + " --out " + dir_ + "/figures");
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.output;
  ExpectFigure(dir_ + "/figures/accuracy.png");
}

TEST_F(PlotTest, ComparesRunsInATableAndTwoBarCharts) {
  const std::string a = Train(small_, "a");
  const std::string b = Train(small4_, "b");
  const std::string out = dir_ + "/cmp";
  const CliResult r = RunGraphrun("plot " + a + " " + b + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const std::string& f : {a + "/lr.png", b + "/loss.png", out + "/compare_accuracy.png", out + "/compare_time.png"}) {
    ExpectFigure(f);
  }
  const std::string md = ReadText(out + "/compare.md");
  EXPECT_THAT(md, HasSubstr("| model | f | nf | nh | steps | test accuracy | training seconds | run |"));
  // f = the patchify size, nf = the conv matmul's last dimension, nh = the hidden layer's.
  EXPECT_THAT(md, HasSubstr("| small | 8 | 8 | 32 | 120 | " + SummaryAccuracy(a) + " | "));
  EXPECT_THAT(md, HasSubstr("| small4 | 4 | 8 | 32 | 120 | " + SummaryAccuracy(b) + " | "));
  EXPECT_THAT(md, HasSubstr(" | " + a + " |"));
  EXPECT_THAT(md, HasSubstr("![test accuracy](compare_accuracy.png)"));
  int rows = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) rows += line.rfind("| small", 0) == 0;
  EXPECT_EQ(rows, 2);
  EXPECT_THAT(r.output, HasSubstr("| small4 | 4 | 8 | 32 |"));  // printed too
}

TEST_F(PlotTest, UnfinishedRunIsDrawnWithoutTestAccuracy) {
  const std::string done = Train(small_, "done");
  const std::string stopped = Train(small4_, "stopped", "--max_steps 30");
  const CliResult r = RunGraphrun("plot " + stopped);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("test accuracy not available (unfinished run: step 30 of 120)"));
  ExpectFigure(stopped + "/lr.png");
  ExpectFigure(stopped + "/accuracy.png");
  const CliResult both = RunGraphrun("plot " + done + " " + stopped + " --out " + dir_ + "/cmp");
  ASSERT_EQ(both.exit_code, 0) << both.output;
  const std::string md = ReadText(dir_ + "/cmp/compare.md");
  EXPECT_THAT(md, HasSubstr("| small4 | 4 | 8 | 32 | 30 of 120 | n/a | "));
  EXPECT_THAT(md, HasSubstr("n/a: the run has not finished"));
  ExpectFigure(dir_ + "/cmp/compare_accuracy.png");
}

TEST_F(PlotTest, CompareTrainsEveryModelThenCompares) {
  const CliResult r = RunGraphrunIn(dir_, "compare " + small_ + " " + small4_ + " --data_dir " + dir_ +
                                      " --set schedule.cycles=1 --set schedule.n_s=10 --out cmp");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("[1/2] " + small_ + " -> runs/small-"));
  EXPECT_THAT(r.output, HasSubstr("[2/2] " + small4_ + " -> runs/small4-"));
  int runs = 0;
  for (const auto& entry : fs::directory_iterator(dir_ + "/runs")) {
    ++runs;
    EXPECT_TRUE(fs::exists(entry.path() / "summary.json")) << entry.path();
    ExpectFigure((entry.path() / "loss.png").string());
  }
  EXPECT_EQ(runs, 2);
  const std::string md = ReadText(dir_ + "/cmp/compare.md");
  EXPECT_THAT(md, HasSubstr("| small | 8 | 8 | 32 | 20 | "));
  EXPECT_THAT(md, HasSubstr("| small4 | 4 | 8 | 32 | 20 | "));
  ExpectFigure(dir_ + "/cmp/compare_time.png");
  // A bad model file stops compare before anything trains.
  const CliResult bad = RunGraphrunIn(dir_, "compare " + small_ + " nowhere.pbtxt --data_dir " + dir_ + " --out cmp2");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("nowhere.pbtxt: cannot open model file"));
  EXPECT_THAT(bad.output, Not(HasSubstr("[1/2]")));
}

TEST_F(PlotTest, MissingMatplotlibSaysWhatToInstallAndTrainingStillWorks) {
  const std::string run = Train(small_, "run", "--max_steps 5");
  // No interpreter at all.
  ::setenv("GRAPHRUN_PYTHON", (dir_ + "/no/python3").c_str(), 1);
  CliResult r = RunGraphrun("plot " + run);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("apt-get install python3-matplotlib"));
  EXPECT_THAT(r.output, HasSubstr("no/python3"));
  // Python without matplotlib: a package that fails to import shadows the real one.
  ::unsetenv("GRAPHRUN_PYTHON");
  fs::create_directories(dir_ + "/fake/matplotlib");
  std::ofstream(dir_ + "/fake/matplotlib/__init__.py") << "raise ImportError('No module named matplotlib')\n";
  ::setenv("PYTHONPATH", (dir_ + "/fake").c_str(), 1);
  r = RunGraphrun("plot " + run);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("apt-get install python3-matplotlib"));
  EXPECT_FALSE(fs::exists(run + "/lr.png"));
  // schedule still prints the rates; only the picture is missing.
  r = RunGraphrun("schedule " + small_ + " --out " + dir_ + "/s.png");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("        80  0.1"));
  EXPECT_THAT(r.output, HasSubstr("apt-get install python3-matplotlib"));
  // Training needs no Python; compare trains and tables, then says what is missing.
  r = RunGraphrunIn(dir_, "compare " + small_ + " " + small4_ + " --data_dir " + dir_ +
                      " --set schedule.cycles=1 --set schedule.n_s=10 --out cmp");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("test accuracy"));
  EXPECT_THAT(r.output, HasSubstr("apt-get install python3-matplotlib"));
  EXPECT_THAT(ReadText(dir_ + "/cmp/compare.md"), HasSubstr("| small4 | 4 | 8 | 32 | 20 | "));
}

TEST_F(PlotTest, BrokenRunDirectoriesAreNamed) {
  CliResult r = RunGraphrun("plot " + dir_ + "/nothing");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(dir_ + "/nothing: no such run directory"));
  fs::create_directories(dir_ + "/empty");
  r = RunGraphrun("plot " + dir_ + "/empty");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("empty: not a run directory: it has no metrics.csv"));
  const std::string run = Train(small_, "run", "--max_steps 10");  // rows at steps 0 and 10
  std::ofstream(run + "/metrics.csv", std::ios::app) << "7,0.5,0.01,1,1,0.5\n";
  r = RunGraphrun("plot " + run);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("metrics.csv:4: 6 fields, the header has 10"));
  const std::string run2 = Train(small_, "run2", "--max_steps 5");
  std::ofstream(run2 + "/summary.json") << "{\"model\": \"small\", \"steps\": 5,";
  r = RunGraphrun("plot " + run2);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(run2 + "/summary.json: not a JSON object"));
  std::ofstream(run2 + "/summary.json") << "{\"model\": \"small\", \"steps\": 5}";
  r = RunGraphrun("plot " + run2);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("summary.json: no \"test_accuracy\""));
  EXPECT_EQ(RunGraphrun("plot").exit_code, 2);
  EXPECT_EQ(RunGraphrun("compare " + small_).exit_code, 2);  // two or more models
  std::ofstream(dir_ + "/file") << "x";
  r = RunGraphrun("plot " + run + " " + run + " --out " + dir_ + "/file");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(ScheduleCommandTest, PrintsAndDrawsTheRateWithoutTraining) {
  const std::string dir = TempDir("schedule");
  CliResult r = RunGraphrun("schedule models/arch5.pbtxt --out " + dir + "/arch5.png");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("n_s 800 doubling (×2), 4 cycles: 24000 updates"));
  EXPECT_THAT(r.output, HasSubstr("     17600  0.1\n     24000  1e-05\n"));
  EXPECT_THAT(r.output, HasSubstr("48.98 epochs of 490 updates"));
  ExpectFigure(dir + "/arch5.png");
  r = RunGraphrun("schedule models/arch2.pbtxt --set schedule.cycles=1 --out " + dir + "/sub/arch2.png");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("n_s 800 fixed, 1 cycle: 1600 updates"));
  ExpectFigure(dir + "/sub/arch2.png");
  r = RunGraphrun("schedule models/arch2.pbtxt --out " + dir + "/arch2.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--out " + dir + "/arch2.txt: name a .png file"));
  r = RunGraphrun("schedule models/arch2.pbtxt --set schedule.n_s=0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("training.schedule.n_s is 0"));
  const CliResult help = RunGraphrun("help plot");
  EXPECT_THAT(help.output, HasSubstr("compare.md"));
  EXPECT_THAT(help.output, HasSubstr("--out"));
}

// ---- The run-directory readers. ----

TEST(RunDirTest, ScheduleKnotsAreTheScheduleExactly) {
  for (const char* model : {"models/arch5.pbtxt", "models/arch1.pbtxt"}) {
    absl::StatusOr<graph::ModelFile> file = graph::LoadModelFile(model);
    ASSERT_TRUE(file.ok()) << file.status();
    const proto::Training& training = file->model.training();
    const runtime::Schedule schedule(training);
    const tools::RateCurve curve = tools::ScheduleKnots(training);
    ASSERT_EQ(curve.steps.front(), 0);
    ASSERT_EQ(curve.steps.back(), schedule.total_steps());
    size_t k = 0;
    for (int64_t s = 0; s <= schedule.total_steps(); ++s) {
      while (curve.steps[k + 1] < s) ++k;
      const double t = static_cast<double>(s - curve.steps[k]) / static_cast<double>(curve.steps[k + 1] - curve.steps[k]);
      const double interpolated = curve.rates[k] + t * (curve.rates[k + 1] - curve.rates[k]);
      ASSERT_NEAR(interpolated, schedule.Rate(s), 1e-12) << model << " step " << s;
    }
  }
  absl::StatusOr<graph::ModelFile> arch5 = graph::LoadModelFile("models/arch5.pbtxt");
  ASSERT_TRUE(arch5.ok());
  EXPECT_EQ(tools::ScheduleKnots(arch5->model.training()).steps,
            (std::vector<int64_t>{0, 800, 1600, 3200, 4800, 8000, 11200, 17600, 24000}));
}

TEST(RunDirTest, ArchitectureOfTheStudyModels) {
  const std::vector<std::pair<std::string, std::array<int64_t, 3>>> expected = {
      {"models/arch1.pbtxt", {2, 3, 50}}, {"models/arch4.pbtxt", {16, 160, 50}}, {"models/arch5.pbtxt", {4, 40, 300}}};
  for (const auto& [model, fnfnh] : expected) {
    absl::StatusOr<graph::Graph> g = tools::LoadGraph(model);
    ASSERT_TRUE(g.ok()) << g.status();
    const tools::Architecture a = tools::FindArchitecture(*g);
    EXPECT_EQ((std::array<int64_t, 3>{a.f, a.nf, a.nh}), fnfnh) << model;
  }
}

TEST(RunDirTest, MetricsAreCheckedLineByLine) {
  const std::string header =
      "step,epoch,learning_rate,train_loss,train_cost,train_accuracy,val_loss,val_cost,val_accuracy,train_seconds\n";
  absl::StatusOr<tools::Metrics> m = tools::ParseMetrics(header + "0,0,1e-5,2,3,0.1,2,3,0.1,0\n5,0.5,0.1,1,2,0.5,1,2,0.4,1.5\n", "m.csv");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->rows, 2u);
  EXPECT_EQ((*m)["val_accuracy"], (std::vector<double>{0.1, 0.4}));
  EXPECT_THAT(tools::ParseMetrics(header, "m.csv").status().message(), HasSubstr("m.csv: no rows yet"));
  EXPECT_THAT(tools::ParseMetrics("step,loss\n0,1\n", "m.csv").status().message(),
              HasSubstr("m.csv:1: no column 'learning_rate'"));
  EXPECT_THAT(tools::ParseMetrics(header + "0,0,x,2,3,0.1,2,3,0.1,0\n", "m.csv").status().message(),
              HasSubstr("m.csv:2: learning_rate 'x' is not a number"));
  EXPECT_THAT(tools::ParseMetrics(header + "5,0,1,2,3,0.1,2,3,0.1,0\n5,0,1,2,3,0.1,2,3,0.1,0\n", "m.csv").status().message(),
              HasSubstr("m.csv:3: step 5 does not follow step 5"));
}

}  // namespace
}  // namespace graphrun::testing
