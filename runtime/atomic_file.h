// Files that are either fully written or not there: write a temporary file beside the
// target, fsync it, rename it into place, fsync the directory.
#ifndef GRAPHRUN_RUNTIME_ATOMIC_FILE_H_
#define GRAPHRUN_RUNTIME_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace graphrun::runtime {

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);

// Reads a whole file; NotFound names the file.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_ATOMIC_FILE_H_
