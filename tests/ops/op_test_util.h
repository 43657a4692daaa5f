// A harness that checks one op in isolation: its oneDNN kernel against the reference
// kernel (forward and backward, overwriting and accumulating gradients), and the
// reference backward against centred finite differences of the reference forward.
#ifndef GRAPHRUN_TESTS_OPS_OP_TEST_UTIL_H_
#define GRAPHRUN_TESTS_OPS_OP_TEST_UTIL_H_

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "graph/op_registry.h"
#include "runtime/reference.h"
#include "runtime/tensor.h"

namespace graphrun::testing {

struct OpCase {
  std::string op;
  std::vector<std::pair<std::string, graph::AttrValue>> attrs;
  std::vector<graph::TensorType> inputs;  // concrete shapes
  // Draws input i's element j (default: normal, kept away from 0 so that no
  // finite difference crosses a ReLU kink).
  std::function<double(int input, std::mt19937_64& rng)> draw = nullptr;
};

struct OpCheck {
  double forward_rel = 0;   // oneDNN vs reference outputs (normwise relative)
  double backward_rel = 0;  // oneDNN vs reference input gradients
  double accumulate_rel = 0;// the same, adding into pre-filled gradients
  double fd_rel = 0;        // reference backward vs finite differences
};

// Runs every check; fails the current test with a message on any error.
OpCheck CheckOp(const OpCase& c, uint64_t seed = 1);

// max|a − b| / max|b| over two equally long arrays (0 when b is all zero and a == b).
double NormwiseRelative(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace graphrun::testing

#endif  // GRAPHRUN_TESTS_OPS_OP_TEST_UTIL_H_
