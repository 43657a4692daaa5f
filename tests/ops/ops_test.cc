// Every op: oneDNN forward and backward against the double-precision reference, on
// several shapes (odd sizes too), gradients overwritten and accumulated, and the
// reference backward against centred finite differences.
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ops/op_test_util.h"

namespace graphrun::testing {
namespace {

using graph::Shape;
using graph::TensorType;

TensorType F32(std::initializer_list<int64_t> dims) { return {proto::FLOAT32, Shape(dims)}; }
TensorType I32(std::initializer_list<int64_t> dims) { return {proto::INT32, Shape(dims)}; }

// float32 kernels against double, relative to the largest magnitude of the result:
// rounding of float sums, and oneDNN's vectorised exp/log (a few ulps, ~4e-6 seen).
constexpr double kForwardTol = 1e-5;
constexpr double kBackwardTol = 1e-5;
// The reference against finite differences in double precision.
constexpr double kFiniteDifferenceTol = 1e-6;

void ExpectGood(const OpCase& c) {
  for (uint64_t seed : {1, 2}) {
    OpCheck r = CheckOp(c, seed);
    EXPECT_LT(r.forward_rel, kForwardTol) << c.op << " forward";
    EXPECT_LT(r.backward_rel, kBackwardTol) << c.op << " backward";
    EXPECT_LT(r.accumulate_rel, kBackwardTol) << c.op << " accumulated backward";
    EXPECT_LT(r.fd_rel, kFiniteDifferenceTol) << c.op << " finite differences";
  }
}

TEST(OpsTest, Patchify) {
  for (int64_t f : {1, 2, 4, 8, 16}) {
    ExpectGood({"patchify", {{"size", f}}, {F32({3, 3, 32, 32})}});
  }
  ExpectGood({"patchify", {{"size", int64_t{3}}}, {F32({5, 2, 9, 6})}});  // odd everything
}

TEST(OpsTest, Matmul) {
  ExpectGood({"matmul", {}, {F32({7, 13}), F32({13, 5})}});
  ExpectGood({"matmul", {}, {F32({3, 11, 9}), F32({9, 4})}});  // leading dims folded
  ExpectGood({"matmul", {{"transpose_b", true}}, {F32({6, 7}), F32({5, 7})}});
  ExpectGood({"matmul", {{"transpose_a", true}}, {F32({7, 6}), F32({7, 5})}});
  ExpectGood({"matmul", {{"transpose_a", true}, {"transpose_b", true}}, {F32({7, 6}), F32({5, 7})}});
  ExpectGood({"matmul", {}, {F32({100, 640}), F32({640, 50})}});  // arch2's fc1
}

TEST(OpsTest, BiasAdd) {
  ExpectGood({"bias_add", {}, {F32({7, 13}), F32({13})}});
  ExpectGood({"bias_add", {}, {F32({3, 5, 11}), F32({11})}});
  ExpectGood({"bias_add", {}, {F32({1}), F32({1})}});
}

TEST(OpsTest, Relu) {
  ExpectGood({"relu", {}, {F32({7, 13})}});
  ExpectGood({"relu", {}, {F32({3, 5, 11})}});
}

TEST(OpsTest, FlattenAndReshape) {
  ExpectGood({"flatten", {}, {F32({4, 6, 5})}});
  ExpectGood({"flatten", {{"axis", int64_t{2}}}, {F32({4, 6, 5, 3})}});
  ExpectGood({"reshape", {{"shape", std::vector<int64_t>{4, 5, 6}}}, {F32({4, 30})}});
}

OpCase Xent(int64_t n, int64_t k, double eps, const char* convention) {
  OpCase c{"softmax_xent",
           {{"label_smoothing", eps}, {"smoothing", std::string(convention)}},
           {F32({n, k}), I32({n})}};
  c.draw = [k](int input, std::mt19937_64& rng) {
    if (input == 1) return static_cast<double>(std::uniform_int_distribution<int64_t>(0, k - 1)(rng));
    return 3 * std::normal_distribution<double>(0, 1)(rng);
  };
  return c;
}

TEST(OpsTest, SoftmaxXent) {
  ExpectGood(Xent(7, 10, 0.0, "study"));
  ExpectGood(Xent(13, 10, 0.1, "study"));
  ExpectGood(Xent(5, 3, 0.2, "uniform"));
  ExpectGood(Xent(100, 10, 0.1, "study"));
}

TEST(OpsTest, L2) {
  ExpectGood({"l2", {{"lambda", 0.003}}, {F32({48, 40})}});
  ExpectGood({"l2", {{"lambda", 0.5}}, {F32({7, 3}), F32({11}), F32({2, 3, 5})}});
}

TEST(OpsTest, Argmax) {
  OpCheck r = CheckOp({"argmax", {}, {F32({17, 10})}});
  EXPECT_EQ(r.forward_rel, 0.0);
}

}  // namespace
}  // namespace graphrun::testing
