#include "runtime/cifar10.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cifar_fixture.h"

namespace graphrun::runtime {
namespace {

using ::testing::HasSubstr;

TEST(Cifar10Test, LoadsSplitsAndNormalises) {
  const std::string dir = testing::WriteCifarDir("cifar_good", 40, 30);
  absl::StatusOr<Cifar10> data = LoadCifar10(dir, 25);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train.count(), 175);
  EXPECT_EQ(data->validation.count(), 25);
  EXPECT_EQ(data->test.count(), 30);
  EXPECT_EQ(data->class_names[9], "truck");
  // Validation is the last images of data_batch_5.
  absl::StatusOr<ImageSet> batch5 = ReadCifarBatch(dir + "/data_batch_5.bin");
  ASSERT_TRUE(batch5.ok());
  EXPECT_EQ(data->validation.labels[24], batch5->labels[39]);
  EXPECT_EQ(data->validation.pixels[0], batch5->pixels[15 * kCifarPixels]);
  // Normalised training images have zero mean and unit variance per pixel.
  std::vector<int64_t> all(175);
  for (int i = 0; i < 175; ++i) all[i] = i;
  std::vector<float> x(175 * kCifarPixels);
  std::vector<int32_t> labels(175);
  data->Normalise(data->train, all.data(), 175, x.data(), labels.data());
  for (int pixel : {0, 1500, 3071}) {
    double sum = 0, sq = 0;
    for (int i = 0; i < 175; ++i) {
      sum += x[i * kCifarPixels + pixel];
      sq += x[i * kCifarPixels + pixel] * x[i * kCifarPixels + pixel];
    }
    EXPECT_NEAR(sum / 175, 0.0, 1e-4);
    EXPECT_NEAR(sq / 175, 1.0, 1e-3);
  }
  EXPECT_EQ(labels[3], data->train.labels[3]);
}

TEST(Cifar10Test, TruncatedFileNamesTheFileAndRecord) {
  const std::string dir = testing::WriteCifarDir("cifar_cut", 10, 10);
  std::filesystem::resize_file(dir + "/data_batch_3.bin", 3073 * 7 + 100);
  absl::Status s = LoadCifar10(dir, 5).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("data_batch_3.bin: truncated: 21611 bytes is not a whole number of "
                                     "3073-byte records (record 7 has only 100 bytes)"));
}

TEST(Cifar10Test, BadLabelNamesTheFileAndRecord) {
  const std::string dir = testing::WriteCifarDir("cifar_label", 10, 10);
  {
    std::fstream f(dir + "/test_batch.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3073 * 4);
    f.put(static_cast<char>(12));
  }
  absl::Status s = LoadCifar10(dir, 5).status();
  EXPECT_THAT(s.message(), HasSubstr("test_batch.bin: record 4 (byte 12292): label 12 is outside 0-9"));
}

TEST(Cifar10Test, MissingFileAndOversizedValidation) {
  const std::string dir = testing::WriteCifarDir("cifar_missing", 10, 10);
  std::filesystem::remove(dir + "/data_batch_2.bin");
  EXPECT_THAT(LoadCifar10(dir, 5).status().message(), HasSubstr("data_batch_2.bin: cannot open"));
  const std::string dir2 = testing::WriteCifarDir("cifar_small", 10, 10);
  EXPECT_THAT(LoadCifar10(dir2, 50).status().message(),
              HasSubstr("training.data.validation_size is 50 but"));
}

TEST(Cifar10Test, FindingTheData) {
  const std::string dir = testing::WriteCifarDir("cifar_find", 1, 1);
  absl::StatusOr<std::string> found = FindCifar10(dir, "");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, dir);
  // A parent directory holding cifar-10-batches-bin/ is accepted.
  const std::string parent = testing::TempDir("cifar_parent");
  std::filesystem::rename(dir, parent + "/cifar-10-batches-bin");
  found = FindCifar10(parent, "");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, parent + "/cifar-10-batches-bin");
  // An explicit --data_dir that holds nothing is an error, not a fallback.
  EXPECT_THAT(FindCifar10("/nonexistent", "").status().message(),
              HasSubstr("--data_dir /nonexistent: no CIFAR-10 binary batches there"));
  // Nothing anywhere: says how to get it.
  ::setenv("GRAPHRUN_DATA_DIR", "/nonexistent/env", 1);
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(std::filesystem::temp_directory_path());
  absl::Status s = FindCifar10("", "").status();
  std::filesystem::current_path(cwd);
  ::unsetenv("GRAPHRUN_DATA_DIR");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("$GRAPHRUN_DATA_DIR /nonexistent/env"));
  EXPECT_THAT(s.message(), HasSubstr("tools/get_cifar10.sh"));
}

}  // namespace
}  // namespace graphrun::runtime
