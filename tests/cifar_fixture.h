// Small CIFAR-10 directories in the official binary layout, made by the tests themselves.
#ifndef GRAPHRUN_TESTS_CIFAR_FIXTURE_H_
#define GRAPHRUN_TESTS_CIFAR_FIXTURE_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <cstdlib>
#include <random>
#include <unistd.h>
#include <string>
#include <vector>

namespace graphrun::testing {

// A fresh empty directory under the system's temporary directory, removed when the test
// program exits.
inline std::string TempDir(const std::string& name) {
  static std::vector<std::filesystem::path>* made = [] {
    auto* dirs = new std::vector<std::filesystem::path>;
    std::atexit([] {
      std::error_code ec;
      for (const auto& d : *made) std::filesystem::remove_all(d, ec);
    });
    return dirs;
  }();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("graphrun_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  made->push_back(dir);
  return dir.string();
}

// One batch file of `n` records. Learnable images: class k is a colour and a stripe
// pattern of its own plus noise, so a small network separates the classes.
inline void WriteCifarBatch(const std::string& path, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> label_of(0, 9), noise(-40, 40);
  std::ofstream out(path, std::ios::binary);
  std::string record(3073, '\0');
  for (int i = 0; i < n; ++i) {
    const int k = label_of(rng);
    record[0] = static_cast<char>(k);
    for (int c = 0; c < 3; ++c)
      for (int r = 0; r < 32; ++r)
        for (int col = 0; col < 32; ++col) {
          int v = 128 + ((k >> c) & 1 ? 60 : -60) + (((r / (k / 3 + 2)) % 2) ? 30 : -30) +
                  (k % 3 == c ? (col < 16 ? 40 : -40) : 0) + noise(rng);
          record[1 + c * 1024 + r * 32 + col] = static_cast<char>(std::clamp(v, 0, 255));
        }
    out.write(record.data(), record.size());
  }
}

// data_batch_1..5.bin with `per_batch` records each, test_batch.bin with `test`.
inline std::string WriteCifarDir(const std::string& name, int per_batch, int test) {
  const std::string dir = TempDir(name);
  for (int b = 1; b <= 5; ++b) WriteCifarBatch(dir + "/data_batch_" + std::to_string(b) + ".bin", per_batch, b);
  WriteCifarBatch(dir + "/test_batch.bin", test, 99);
  std::ofstream(dir + "/batches.meta.txt") << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
  return dir;
}

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_CIFAR_FIXTURE_H_
