// `graphrun gradcheck MODEL` and `graphrun gradcheck --reference FILE.npz`.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "graph/text.h"
#include "runtime/gradcheck.h"
#include "runtime/study_reference.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/inputs.h"
#include "tools/model_loading.h"

namespace graphrun::tools {

namespace {

// The double-precision reference keeps every tensor of the batch: more images than
// this take hours and gigabytes, and check nothing more.

std::string Cells(bool has, const runtime::Diff& d) {
  if (!has) return absl::StrFormat("%10s %10s %10s", "-", "-", "-");
  return absl::StrFormat("%10.2e %10.2e %10.2e", d.max_abs, d.mean_abs, d.max_rel);
}

int PrintReference(const std::string& path) {
  absl::StatusOr<std::vector<runtime::CheckRow>> rows = runtime::CheckStudyReference(path);
  if (!rows.ok()) return Fail(rows.status());
  std::printf("graphrun (float32) against %s (float64), the study's Table 1:\n\n", path.c_str());
  std::printf("%-24s %-14s %12s %12s %12s\n", "tensor", "shape", "max |diff|", "mean |diff|",
              "max rel");
  bool pass = true;
  for (const runtime::CheckRow& r : *rows) {
    const bool ok = r.a.max_rel <= runtime::kStudyReferenceTolerance;
    pass = pass && ok;
    std::printf("%s %s %12.3e %12.3e %12.3e %s\n", PadRight(r.tensor, 24).c_str(),
                PadRight(r.shape, 14).c_str(),
                r.a.max_abs, r.a.mean_abs, r.a.max_rel, ok ? "" : "FAIL");
  }
  std::printf("\n%s: every relative difference %s %.0e\n", pass ? "PASS" : "FAIL",
              pass ? "within" : "must be within", runtime::kStudyReferenceTolerance);
  return pass ? kExitOk : kExitFailure;
}

}  // namespace

int RunGradcheck(const Args& args) {
  const std::string reference = absl::GetFlag(FLAGS_reference);
  if (!reference.empty()) {
    if (!args.empty()) return UsageError("gradcheck", "give either MODEL or --reference, not both");
    return PrintReference(reference);
  }
  if (args.empty()) return UsageError("gradcheck", "expected MODEL (or --reference FILE.npz)");
  absl::StatusOr<graph::Graph> g = LoadGraph(args[0]);
  if (!g.ok()) return Fail(g.status());
  runtime::ParamStore params(*g);
  if (absl::Status s = SetUpParams(&params); !s.ok()) return Fail(s);
  const int64_t n = absl::GetFlag(FLAGS_samples);
  absl::StatusOr<std::map<int, std::vector<double>>> inputs =
      SampleInputs(*g, n, !absl::GetFlag(FLAGS_data_dir).empty(), g->training().seed());
  if (!inputs.ok()) return Fail(inputs.status());
  runtime::GradcheckOptions options;
  options.fd_elements = absl::GetFlag(FLAGS_fd_elements);
  absl::StatusOr<std::vector<runtime::CheckRow>> rows =
      runtime::Gradcheck(*g, params, n, *inputs, options);
  if (!rows.ok()) return Fail(rows.status());

  std::printf("gradcheck %s: %lld samples (%s), parameters %s\n", g->name().c_str(),
              static_cast<long long>(n), absl::GetFlag(FLAGS_data_dir).empty() ? "random" : "CIFAR-10",
              absl::GetFlag(FLAGS_params).empty() ? "initialised from the seed" : absl::GetFlag(FLAGS_params).c_str());
  std::printf("(a) oneDNN float32 vs double reference   (b) reference gradient vs finite differences\n\n");
  std::printf("%-16s %-14s | %32s | %32s\n", "tensor", "shape", "(a) max abs   mean abs    max rel",
              "(b) max abs   mean abs    max rel");
  bool pass = true;
  for (const runtime::CheckRow& r : *rows) {
    const bool ok_a = !r.has_a || r.a.max_rel <= options.tol_a;
    const bool ok_b = !r.has_b || r.b.max_rel <= options.tol_b;
    pass = pass && ok_a && ok_b;
    std::string note = ok_a && ok_b ? "" : "  FAIL";
    if (r.kinks > 0) note += absl::StrCat("  (", r.kinks, " at a ReLU kink, skipped)");
    std::printf("%s %s | %s | %s%s\n", PadRight(r.tensor, 16).c_str(), PadRight(r.shape, 14).c_str(),
                Cells(r.has_a, r.a).c_str(), Cells(r.has_b, r.b).c_str(), note.c_str());
  }
  std::printf("\n%s: tolerances (a) max rel <= %.0e, (b) max rel <= %.0e\n", pass ? "PASS" : "FAIL",
              options.tol_a, options.tol_b);
  return pass ? kExitOk : kExitFailure;
}

}  // namespace graphrun::tools
