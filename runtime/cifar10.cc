#include "runtime/cifar10.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "runtime/atomic_file.h"

namespace graphrun::runtime {

namespace fs = std::filesystem;

absl::StatusOr<ImageSet> ReadCifarBatch(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  const std::string& b = *bytes;
  if (b.empty()) return absl::DataLossError(absl::StrCat(path, ": empty file, expected 3073-byte records"));
  if (b.size() % kCifarRecord != 0) {
    return absl::DataLossError(absl::StrCat(
        path, ": truncated: ", b.size(), " bytes is not a whole number of 3073-byte records (record ",
        b.size() / kCifarRecord, " has only ", b.size() % kCifarRecord, " bytes)"));
  }
  const int64_t n = static_cast<int64_t>(b.size() / kCifarRecord);
  ImageSet set;
  set.labels.resize(n);
  set.pixels.resize(static_cast<size_t>(n) * kCifarPixels);
  for (int64_t i = 0; i < n; ++i) {
    const char* record = b.data() + i * kCifarRecord;
    const int label = static_cast<unsigned char>(record[0]);
    if (label >= kCifarClasses) {
      return absl::DataLossError(absl::StrCat(path, ": record ", i, " (byte ", i * kCifarRecord,
                                              "): label ", label, " is outside 0-9"));
    }
    set.labels[i] = label;
    std::copy(record + 1, record + kCifarRecord, set.pixels.begin() + i * kCifarPixels);
  }
  return set;
}

namespace {

void Append(const ImageSet& from, int64_t begin, int64_t end, ImageSet* to) {
  to->labels.insert(to->labels.end(), from.labels.begin() + begin, from.labels.begin() + end);
  to->pixels.insert(to->pixels.end(), from.pixels.begin() + begin * kCifarPixels,
                    from.pixels.begin() + end * kCifarPixels);
}

}  // namespace

absl::StatusOr<Cifar10> LoadCifar10(const std::string& dir, int64_t validation_size) {
  Cifar10 data;
  data.dir = dir;
  // The five batches go straight into the training split (one copy of the pixels);
  // its last `validation_size` images then move to the validation split.
  ImageSet& all = data.train;
  for (int k = 1; k <= 5; ++k) {
    absl::StatusOr<ImageSet> batch = ReadCifarBatch(absl::StrCat(dir, "/data_batch_", k, ".bin"));
    if (!batch.ok()) return batch.status();
    if (k == 1) all.pixels.reserve(batch->pixels.size() * 5);
    Append(*batch, 0, batch->count(), &all);
  }
  if (validation_size >= all.count()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "training.data.validation_size is ", validation_size, " but ", dir, " has only ",
        all.count(), " training images"));
  }
  const int64_t n_train = all.count() - validation_size;
  Append(all, n_train, all.count(), &data.validation);
  all.labels.resize(n_train);
  all.pixels.resize(n_train * kCifarPixels);
  absl::StatusOr<ImageSet> test = ReadCifarBatch(absl::StrCat(dir, "/test_batch.bin"));
  if (!test.ok()) return test.status();
  data.test = *std::move(test);

  // Per-pixel mean and standard deviation of the training split.
  std::vector<double> sum(kCifarPixels, 0.0), sum_sq(kCifarPixels, 0.0);
  for (int64_t i = 0; i < n_train; ++i) {
    const uint8_t* p = &data.train.pixels[i * kCifarPixels];
    for (int j = 0; j < kCifarPixels; ++j) {
      sum[j] += p[j];
      sum_sq[j] += static_cast<double>(p[j]) * p[j];
    }
  }
  data.mean.resize(kCifarPixels);
  data.inv_std.resize(kCifarPixels);
  for (int j = 0; j < kCifarPixels; ++j) {
    const double mean = sum[j] / n_train;
    const double var = std::max(sum_sq[j] / n_train - mean * mean, 0.0);
    data.mean[j] = static_cast<float>(mean);
    data.inv_std[j] = static_cast<float>(var > 0 ? 1.0 / std::sqrt(var) : 1.0);
  }
  absl::StatusOr<std::string> meta = ReadFile(absl::StrCat(dir, "/batches.meta.txt"));
  if (meta.ok()) {
    for (absl::string_view line : absl::StrSplit(*meta, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) data.class_names.emplace_back(line);
    }
  }
  if (data.class_names.size() != kCifarClasses) {
    data.class_names.clear();
    for (int k = 0; k < kCifarClasses; ++k) data.class_names.push_back(absl::StrCat("class ", k));
  }
  return data;
}

void Cifar10::Normalise(const ImageSet& set, const int64_t* indices, int64_t n, float* out,
                        int32_t* labels) const {
  // Both cores, like the kernels around it (OpenMP, as oneDNN here).
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = &set.pixels[indices[i] * kCifarPixels];
    float* o = out + i * kCifarPixels;
    for (int j = 0; j < kCifarPixels; ++j) o[j] = (static_cast<float>(p[j]) - mean[j]) * inv_std[j];
    if (labels != nullptr) labels[i] = set.labels[indices[i]];
  }
}

absl::StatusOr<std::string> FindCifar10(const std::string& flag, const std::string& model_dir) {
  const char* env = std::getenv("GRAPHRUN_DATA_DIR");
  struct Candidate {
    std::string source, dir;
  };
  const std::vector<Candidate> candidates = {
      {"--data_dir", flag},
      {"training.data.cifar10_dir", model_dir},
      {"$GRAPHRUN_DATA_DIR", env != nullptr ? env : ""},
      {"default", "data/cifar-10-batches-bin"},
  };
  std::vector<std::string> looked;
  for (const Candidate& c : candidates) {
    if (c.dir.empty()) {
      looked.push_back(absl::StrCat(c.source, " (not set)"));
      continue;
    }
    std::error_code ec;
    for (const std::string& dir : {c.dir, c.dir + "/cifar-10-batches-bin"}) {
      if (fs::exists(dir + "/data_batch_1.bin", ec)) return dir;
    }
    looked.push_back(absl::StrCat(c.source, " ", c.dir, " (no data_batch_1.bin)"));
    // An explicit choice that is wrong is an error, not a reason to look elsewhere.
    if (c.source != "default" && c.source != "$GRAPHRUN_DATA_DIR" && c.source != "training.data.cifar10_dir") {
      return absl::NotFoundError(absl::StrCat("--data_dir ", c.dir,
                                              ": no CIFAR-10 binary batches there (data_batch_1.bin ...)"));
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "no CIFAR-10 data found; looked at: ", absl::StrJoin(looked, "; "),
      ".\nGet it with:  tools/get_cifar10.sh [path/to/cifar-10-binary.tar.gz]\n"
      "(unpacks a local archive, or downloads the official one when no path is given, into "
      "data/cifar-10-batches-bin), or pass --data_dir DIR."));
}

}  // namespace graphrun::runtime
