// CIFAR-10 in its official binary layout (cifar-10-batches-bin/: data_batch_1..5.bin,
// test_batch.bin, batches.meta.txt; 3073-byte records: a label byte, then 1024 red,
// 1024 green and 1024 blue bytes, each plane row-major). Images stay uint8 in memory and
// are normalised per batch with the per-pixel mean and standard deviation of the
// training split.
#ifndef GRAPHRUN_RUNTIME_CIFAR10_H_
#define GRAPHRUN_RUNTIME_CIFAR10_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace graphrun::runtime {

inline constexpr int kCifarPixels = 3072;  // 3 × 32 × 32
inline constexpr int kCifarRecord = kCifarPixels + 1;
inline constexpr int kCifarClasses = 10;

// Images of one split, uint8 in record order (channel planes, rows).
struct ImageSet {
  std::vector<uint8_t> pixels;  // count × 3072
  std::vector<int32_t> labels;  // count
  int64_t count() const { return static_cast<int64_t>(labels.size()); }
};

struct Cifar10 {
  std::string dir;
  ImageSet train, validation, test;
  std::vector<float> mean;     // per pixel, over `train`
  std::vector<float> inv_std;  // 1 / std per pixel, over `train`
  std::vector<std::string> class_names;

  // Writes the normalised images `indices` of `set` into `out` ([n, 3, 32, 32] floats)
  // and their labels into `labels` (may be null).
  void Normalise(const ImageSet& set, const int64_t* indices, int64_t n, float* out,
                 int32_t* labels) const;
};

// Reads one batch file: every record checked (whole records, labels 0-9); errors name
// the file and the record.
absl::StatusOr<ImageSet> ReadCifarBatch(const std::string& path);

// Loads the five training batches (the last `validation_size` images become the
// validation split) and the test batch, and computes the normalisation.
absl::StatusOr<Cifar10> LoadCifar10(const std::string& dir, int64_t validation_size);

// Where the data is: `flag` (--data_dir), then `model_dir` (the model file's
// training.data.cifar10_dir), then $GRAPHRUN_DATA_DIR, then data/cifar-10-batches-bin. A
// directory that holds cifar-10-batches-bin/ is accepted for it. NotFound explains how
// to get the data.
absl::StatusOr<std::string> FindCifar10(const std::string& flag, const std::string& model_dir);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_CIFAR10_H_
