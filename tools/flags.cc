#include "tools/flags.h"

#include "absl/flags/flag.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

ABSL_FLAG(std::vector<std::string>, set, {},
          "FIELD=VALUE: change a field of the model's training section by its path, e.g.\n"
          "--set schedule.cycles=1 --set l2.lambda=0.001 (repeatable; lists comma-separated)");
ABSL_FLAG(int64_t, seed, -1, "seed of initialisation and shuffling (-1: the model file's)");
ABSL_FLAG(std::string, data_dir, "",
          "CIFAR-10 directory (cifar-10-batches-bin/); default: the model file's\n"
          "training.data.cifar10_dir, then $GRAPHRUN_DATA_DIR, then data/cifar-10-batches-bin");
ABSL_FLAG(int64_t, samples, 100, "number of images (the first ones of the training split)");
ABSL_FLAG(std::string, params, "",
          ".npz of parameter values by name (\"W1\" or \"param/W1\", as dump writes them);\n"
          "default: initialised from the model file's seed");
ABSL_FLAG(std::string, reference, "",
          "a debug file in the study's layout (.npz, float64): check graphrun against it");
ABSL_FLAG(int32_t, fd_elements, 6,
          "elements per tensor checked by finite differences (the largest gradient first)");
ABSL_FLAG(std::string, out, "",
          "where to write: dump's .npz file; schedule's PNG; plot's and compare's comparison\n"
          "directory");
ABSL_FLAG(int64_t, steps, 100, "timed training steps (after 20 warm-up steps)");
ABSL_FLAG(int64_t, batch, 0, "batch size (0: the model's training.batch_size)");
ABSL_FLAG(bool, json, false, "print one JSON object instead of the table");
ABSL_FLAG(std::string, out_dir, "", "run directory (default runs/<model>-<YYYYmmdd-HHMMSS>)");
ABSL_FLAG(std::string, resume, "",
          "RUN_DIR: continue that run from its checkpoint (with its own model.pbtxt)");
ABSL_FLAG(int64_t, max_steps, 0,
          "stop after this many updates of the run, saving a checkpoint (0: run to the end)");
ABSL_FLAG(std::string, checkpoint, "", "RUN_DIR (or its checkpoint.bin) whose parameters to use");

namespace graphrun::tools {

absl::Status CheckFlagRanges() {
  struct Range {
    const char* name;
    int64_t value, lo, hi;
  };
  const Range ranges[] = {
      {"seed", absl::GetFlag(FLAGS_seed), -1, INT64_MAX},
      {"max_steps", absl::GetFlag(FLAGS_max_steps), 0, INT64_MAX},
      {"samples", absl::GetFlag(FLAGS_samples), 1, 10000},
      {"fd_elements", absl::GetFlag(FLAGS_fd_elements), 1, 1000},
      {"steps", absl::GetFlag(FLAGS_steps), 1, 1000000},
      {"batch", absl::GetFlag(FLAGS_batch), 0, 100000},
  };
  for (const Range& r : ranges) {
    if (r.value < r.lo || r.value > r.hi) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", r.name, "=", r.value, ": must be in [", r.lo, ", ",
          r.hi == INT64_MAX ? std::string("inf") : absl::StrCat(r.hi), "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace graphrun::tools
