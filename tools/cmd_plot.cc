// `graphrun plot`, `graphrun compare` and `graphrun schedule`: pictures of runs.
#include "tools/commands.h"

namespace graphrun::tools {

int RunPlot(const Args&) { return Fail(absl::UnimplementedError("graphrun plot: not yet")); }
int RunCompare(const Args&) { return Fail(absl::UnimplementedError("graphrun compare: not yet")); }
int RunSchedule(const Args&) { return Fail(absl::UnimplementedError("graphrun schedule: not yet")); }

}  // namespace graphrun::tools
