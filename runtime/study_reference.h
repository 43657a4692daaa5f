// `graphrun gradcheck --reference FILE.npz`: checks graphrun against a debug file in the
// layout of the study's own (see ../shared/data/README.md): builds the network the file
// describes (patchify f, nf filters without bias, ReLU, fully connected nh, ReLU, fully
// connected K, softmax cross-entropy without L2 or smoothing) from its shapes, loads its
// weights, runs forward and backward on its X and y in float32, and compares every
// tensor the file holds with the study's Table 1 rows.
#ifndef GRAPHRUN_RUNTIME_STUDY_REFERENCE_H_
#define GRAPHRUN_RUNTIME_STUDY_REFERENCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/gradcheck.h"

namespace graphrun::runtime {

// Relative difference above which a row fails (the file is float64, graphrun float32).
inline constexpr double kStudyReferenceTolerance = 1e-5;

// One row per tensor of the file (conv_outputs, conv_outputs_mat, conv_flat, X1, P, the
// five gradients, and MX / conv_outputs_flattened when present); `a` holds graphrun
// against the file.
absl::StatusOr<std::vector<CheckRow>> CheckStudyReference(const std::string& path);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_STUDY_REFERENCE_H_
