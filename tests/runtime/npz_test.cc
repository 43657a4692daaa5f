#include "runtime/npz.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/study_reference.h"
#include "tests/cifar_fixture.h"

namespace graphrun::runtime {
namespace {

using ::testing::HasSubstr;

TEST(NpzTest, RoundTrip) {
  const std::string path = testing::TempDir("npz") + "/a.npz";
  NpyArray f{{2, 3}, "f4", {1, 2, 3, 4, 5, 6.5}};
  NpyArray d{{}, "f8", {3.25}};
  NpyArray i{{4}, "i4", {0, -1, 7, 9}};
  ASSERT_TRUE(WriteNpz(path, {{"f", f}, {"grad/W1", d}, {"i", i}}).ok());
  absl::StatusOr<NpzArrays> back = ReadNpz(path);
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)["f"].shape, f.shape);
  EXPECT_EQ((*back)["f"].values, f.values);
  EXPECT_EQ((*back)["grad/W1"].values, d.values);
  EXPECT_TRUE((*back)["grad/W1"].shape.empty());
  EXPECT_EQ((*back)["i"].values, i.values);
  EXPECT_EQ((*back)["i"].dtype, "i4");
  // No temporary file is left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, 1);
}

TEST(NpzTest, FortranOrderIsReordered) {
  // A 2×3 array stored column-major: memory 1 4 2 5 3 6 is [[1, 2, 3], [4, 5, 6]].
  NpyArray a{{6}, "f8", {1, 4, 2, 5, 3, 6}};
  std::string bytes = SerializeNpy(a);
  const size_t at = bytes.find("'fortran_order': False, 'shape': (6,), }");
  ASSERT_NE(at, std::string::npos);
  std::string header = "'fortran_order': True, 'shape': (2,3),";
  header += std::string(40 - 1 - header.size(), ' ') + "}";  // same length: data stays put
  bytes.replace(at, 40, header);
  absl::StatusOr<NpyArray> parsed = ParseNpy(bytes, "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(NpzTest, DamagedFilesAreErrorsNamingTheFile) {
  const std::string dir = testing::TempDir("npz_bad");
  const std::string path = dir + "/a.npz";
  ASSERT_TRUE(WriteNpz(path, {{"w", NpyArray{{1000}, "f4", std::vector<double>(1000, 1.0)}}}).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string flipped = bytes;
  flipped[500] ^= 0x40;
  std::ofstream(dir + "/flipped.npz", std::ios::binary) << flipped;
  std::ofstream(dir + "/cut.npz", std::ios::binary) << bytes.substr(0, 2000);
  std::ofstream(dir + "/text.npz", std::ios::binary) << "not a zip file at all";
  EXPECT_THAT(ReadNpz(dir + "/flipped.npz").status().message(), HasSubstr("flipped.npz: w.npy: checksum mismatch"));
  EXPECT_THAT(ReadNpz(dir + "/cut.npz").status().message(), HasSubstr("cut.npz"));
  EXPECT_THAT(ReadNpz(dir + "/text.npz").status().message(), HasSubstr("text.npz: not a valid .npz file"));
  EXPECT_EQ(ReadNpz(dir + "/missing.npz").status().code(), absl::StatusCode::kNotFound);
}

TEST(StudyReferenceTest, SharedFixturePasses) {
  const std::string path = GRAPHRUN_SOURCE_DIR "/../shared/data/debug_conv_fixture.npz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not here";
  absl::StatusOr<std::vector<CheckRow>> rows = CheckStudyReference(path);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 12u);  // MX, the four conv tensors, X1, P, five gradients
  for (const CheckRow& r : *rows) EXPECT_LE(r.a.max_rel, kStudyReferenceTolerance) << r.tensor;
}

TEST(StudyReferenceTest, MissingKeysAreNamed) {
  const std::string path = testing::TempDir("study_ref") + "/partial.npz";
  ASSERT_TRUE(WriteNpz(path, {{"X", NpyArray{{3072, 1}, "f8", std::vector<double>(3072, 0.0)}}}).ok());
  absl::Status s = CheckStudyReference(path).status();
  EXPECT_THAT(s.message(), HasSubstr("partial.npz: missing Fs_flat, W1, b1, W2, b2, y (or Y)"));
}

}  // namespace
}  // namespace graphrun::runtime
