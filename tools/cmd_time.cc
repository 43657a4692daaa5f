// `graphrun time MODEL`: per-op forward and backward times, like `caffe time`.
#include "tools/commands.h"

namespace graphrun::tools {

int RunTime(const Args&) { return Fail(absl::UnimplementedError("graphrun time: not yet")); }

}  // namespace graphrun::tools
