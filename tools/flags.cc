#include "tools/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::vector<std::string>, set, {},
          "FIELD=VALUE: change a field of the model's training section by its path, e.g.\n"
          "--set schedule.cycles=1 --set l2.lambda=0.001 (repeatable; lists comma-separated)");
ABSL_FLAG(int64_t, seed, -1, "seed of initialisation and shuffling (-1: the model file's)");
