// NumPy .npy arrays in .npz archives: what `graphrun dump` writes, what `--params` and
// `gradcheck --reference` read. Reads stored and deflate-compressed archives
// (numpy.savez and numpy.savez_compressed, zip64 included), C or Fortran order, and the
// dtypes <f4 <f8 <i4 <i8 |u1 |b1; writes stored archives that numpy.load reads.
#ifndef GRAPHRUN_RUNTIME_NPZ_H_
#define GRAPHRUN_RUNTIME_NPZ_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace graphrun::runtime {

// One array, values in C (row-major) order.
struct NpyArray {
  std::vector<int64_t> shape;
  std::string dtype = "f8";  // "f4", "f8", "i4", "i8", "u1", "b1"
  std::vector<double> values;

  int64_t size() const;
};

using NpzArrays = std::map<std::string, NpyArray>;

// Reads every array of an .npz file. Errors name the file and the entry.
absl::StatusOr<NpzArrays> ReadNpz(const std::string& path);
// The same for the bytes of an .npz file; `path` names it in messages.
absl::StatusOr<NpzArrays> ParseNpz(const std::string& bytes, const std::string& path);
// Parses one .npy image (the bytes of an entry); `name` is used in messages.
absl::StatusOr<NpyArray> ParseNpy(const std::string& bytes, const std::string& name);

// Writes the arrays, in order, as an uncompressed .npz (keys get ".npy" appended), through
// a temporary file renamed into place so that a failure never leaves a partial file.
absl::Status WriteNpz(const std::string& path,
                      const std::vector<std::pair<std::string, NpyArray>>& arrays);
// The bytes WriteNpz writes.
absl::StatusOr<std::string> SerializeNpz(const std::vector<std::pair<std::string, NpyArray>>& arrays);
// The .npy image of one array.
std::string SerializeNpy(const NpyArray& array);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_NPZ_H_
