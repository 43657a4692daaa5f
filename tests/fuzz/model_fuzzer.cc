// Fuzzes what `graphrun summary|train MODEL` does with a model file before any tensor is
// allocated: parsing, --set overrides, validation, shape inference, the summary, the
// fingerprint and the schedule. The input is the model text; its leading lines of the
// form "#set FIELD=VALUE" (comments to the parser) are applied as --set overrides.
//
// Promises checked beyond "no crash, no sanitizer report":
//   - every error names the file ("fuzz.pbtxt:...");
//   - a model that builds, printed back to text, parses and builds again with the
//     same fingerprint (what a run directory's model.pbtxt relies on).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "graph/graph.h"
#include "graph/model_file.h"
#include "graph/overrides.h"
#include "graph/summary.h"
#include "runtime/checkpoint.h"
#include "runtime/schedule.h"
#include "tests/fuzz/fuzz_util.h"

namespace graphrun::fuzz {
namespace {

constexpr char kFile[] = "fuzz.pbtxt";

void Run(const std::string& text) {
  absl::StatusOr<graph::ModelFile> file = graph::ParseModelText(text, kFile);
  if (!file.ok()) return RequireNamesFile(file.status(), kFile);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, "#set ")) break;
    const absl::Status s = graph::ApplyOverride(std::string(line.substr(5)), file->model.mutable_training());
    if (!s.ok()) {
      Require(absl::StartsWith(s.message(), "--set "), "a --set error must name the flag: " +
                                                           std::string(s.message()));
      return;
    }
  }
  absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
  if (!g.ok()) return RequireNamesFile(g.status(), kFile);

  const graph::Summary summary = graph::Summarize(*g);
  Require(!graph::FormatSummary(*g, summary).empty(), "empty summary");
  const uint64_t fingerprint = runtime::ModelFingerprint(*g);
  const runtime::Schedule schedule(g->training());
  Require(schedule.total_steps() >= 1, "a validated schedule has no updates");
  Require(schedule.IsLogPoint(schedule.total_steps()), "the last step is not a log point");
  for (int64_t step : {int64_t{0}, schedule.total_steps() / 2, schedule.total_steps() - 1}) {
    const double rate = schedule.Rate(step);
    Require(rate == rate && rate >= 0, "the schedule gives a negative or NaN learning rate");
  }

  // What a run directory keeps must load again as the same graph.
  absl::StatusOr<graph::ModelFile> again = graph::ParseModelText(graph::ModelToText(g->model()), kFile);
  Require(again.ok(), "the printed model does not parse: " + std::string(again.status().message()));
  absl::StatusOr<graph::Graph> rebuilt = graph::Graph::Build(*again);
  Require(rebuilt.ok(), "the printed model does not build: " + std::string(rebuilt.status().message()));
  Require(runtime::ModelFingerprint(*rebuilt) == fingerprint, "the printed model has another fingerprint");
}

}  // namespace
}  // namespace graphrun::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // model files are small; keep the executions fast
  graphrun::fuzz::Run(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
