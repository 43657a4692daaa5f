// Fuzzes the .npz and .npy readers (`dump --params`, `gradcheck --reference`): the zip
// directory (zip64 included), deflate, the checksum and the .npy header.
//
// The first byte chooses the reader: bit 0 set parses the rest as one .npy array,
// otherwise as an .npz archive. Promises: errors name the file; arrays that read are
// written and read back with the same keys, shapes, dtypes and (but for 64-bit integers
// beyond 2^53, which are read as doubles) the same values.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/npz.h"
#include "tests/fuzz/fuzz_util.h"

namespace graphrun::fuzz {
namespace {

constexpr char kFile[] = "fuzz.npz";

bool SameValues(const runtime::NpyArray& a, const runtime::NpyArray& b) {
  if (a.values.size() != b.values.size()) return false;
  for (size_t i = 0; i < a.values.size(); ++i) {
    const double x = a.values[i], y = b.values[i];
    if (std::isnan(x) && std::isnan(y)) continue;
    if (a.dtype == "i8" && std::fabs(x) > 9007199254740992.0) continue;
    if (x != y) return false;
  }
  return true;
}

void Run(uint8_t mode, const std::string& bytes) {
  runtime::NpzArrays arrays;
  if (mode & 1) {
    absl::StatusOr<runtime::NpyArray> array = runtime::ParseNpy(bytes, kFile);
    if (!array.ok()) return RequireNamesFile(array.status(), kFile);
    arrays["x"] = *std::move(array);
  } else {
    absl::StatusOr<runtime::NpzArrays> read = runtime::ParseNpz(bytes, kFile);
    if (!read.ok()) return RequireNamesFile(read.status(), kFile);
    arrays = *std::move(read);
  }
  std::vector<std::pair<std::string, runtime::NpyArray>> list(arrays.begin(), arrays.end());
  absl::StatusOr<std::string> written = runtime::SerializeNpz(list);
  if (!written.ok()) return;  // names too long for a zip entry
  absl::StatusOr<runtime::NpzArrays> back = runtime::ParseNpz(*written, kFile);
  Require(back.ok(), "a written .npz does not read back: " + std::string(back.status().message()));
  Require(back->size() == arrays.size(), "arrays lost in the round trip");
  for (const auto& [key, array] : arrays) {
    auto it = back->find(key);
    Require(it != back->end(), "array '" + key + "' lost in the round trip");
    Require(it->second.shape == array.shape && it->second.dtype == array.dtype &&
                SameValues(it->second, array),
            "array '" + key + "' changed in the round trip");
  }
}

}  // namespace
}  // namespace graphrun::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 << 20) return 0;
  graphrun::fuzz::Run(data[0], std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
