#include "runtime/study_reference.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "runtime/executor.h"
#include "runtime/npz.h"

namespace graphrun::runtime {

namespace {

std::string ShapeText(const std::vector<int64_t>& shape) { return absl::StrJoin(shape, "×"); }

// The model text of the study's debug network.
std::string DebugModel(int64_t f, int64_t nf, int64_t nh, int64_t k, int64_t patches) {
  return absl::StrCat(
      "name: \"study_reference\"\n"
      "input { name: \"images\" shape: [-1, 3, 32, 32] feed: IMAGE }\n"
      "input { name: \"labels\" shape: [-1] dtype: INT32 feed: LABEL }\n"
      "param { name: \"Fs_flat\" shape: [", f * f * 3, ", ", nf, "] }\n"
      "param { name: \"W1\" shape: [", nh, ", ", patches * nf, "] }\n"
      "param { name: \"b1\" shape: [", nh, "] }\n"
      "param { name: \"W2\" shape: [", k, ", ", nh, "] }\n"
      "param { name: \"b2\" shape: [", k, "] }\n"
      "node { name: \"MX\" op: \"patchify\" input: \"images\" attr { name: \"size\" i: ", f, " } }\n"
      "node { name: \"conv_outputs_mat\" op: \"matmul\" input: [\"MX\", \"Fs_flat\"] }\n"
      "node { name: \"conv_relu\" op: \"relu\" input: \"conv_outputs_mat\" }\n"
      "node { name: \"conv_flat\" op: \"flatten\" input: \"conv_relu\" }\n"
      "node { name: \"fc1\" op: \"matmul\" input: [\"conv_flat\", \"W1\"]"
      " attr { name: \"transpose_b\" b: true } }\n"
      "node { name: \"fc1_b\" op: \"bias_add\" input: [\"fc1\", \"b1\"] }\n"
      "node { name: \"X1\" op: \"relu\" input: \"fc1_b\" }\n"
      "node { name: \"fc2\" op: \"matmul\" input: [\"X1\", \"W2\"] attr { name: \"transpose_b\" b: true } }\n"
      "node { name: \"logits\" op: \"bias_add\" input: [\"fc2\", \"b2\"] }\n"
      "node { name: \"xent\" op: \"softmax_xent\" input: [\"logits\", \"labels\"] }\n"
      "loss: \"xent\"\nlogits: \"logits\"\n");
}

std::vector<double> AsDoubles(const Tensor& t) {
  std::vector<double> v(t.size());
  for (int64_t i = 0; i < t.size(); ++i) v[i] = t.f32()[i];
  return v;
}

}  // namespace

absl::StatusOr<std::vector<CheckRow>> CheckStudyReference(const std::string& path) {
  ASSIGN_OR_RETURN(NpzArrays file, ReadNpz(path));
  std::vector<std::string> missing;
  for (const char* key : {"X", "Fs_flat", "W1", "b1", "W2", "b2"}) {
    if (file.count(key) == 0) missing.push_back(key);
  }
  if (file.count("y") == 0 && file.count("Y") == 0) missing.push_back("y (or Y)");
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": missing ", absl::StrJoin(missing, ", "),
                                                   " (the study's debug layout, see the README)"));
  }
  const NpyArray& x = file["X"];
  const NpyArray& fs = file["Fs_flat"];
  const NpyArray& w1 = file["W1"];
  const NpyArray& w2 = file["W2"];
  auto bad_shape = [&](const std::string& key, const std::string& expected) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", key, " has shape ",
                                                   ShapeText(file[key].shape), ", expected ", expected));
  };
  if (x.shape.size() != 2 || x.shape[0] != 3072 || x.shape[1] < 1) return bad_shape("X", "3072 × n");
  if (fs.shape.size() != 2 || fs.shape[0] % 3 != 0) return bad_shape("Fs_flat", "f·f·3 × nf");
  const int64_t n = x.shape[1], nf = fs.shape[1];
  const int64_t f = static_cast<int64_t>(std::lround(std::sqrt(fs.shape[0] / 3.0)));
  if (f * f * 3 != fs.shape[0] || f < 1 || 32 % f != 0) return bad_shape("Fs_flat", "f·f·3 × nf with f dividing 32");
  const int64_t patches = (32 / f) * (32 / f);
  if (w1.shape.size() != 2 || w1.shape[1] != patches * nf) {
    return bad_shape("W1", absl::StrCat("nh × ", patches * nf));
  }
  const int64_t nh = w1.shape[0];
  if (w2.shape.size() != 2 || w2.shape[1] != nh) return bad_shape("W2", absl::StrCat("K × ", nh));
  const int64_t k = w2.shape[0];
  if (file["b1"].size() != nh) return bad_shape("b1", absl::StrCat(nh, " × 1"));
  if (file["b2"].size() != k) return bad_shape("b2", absl::StrCat(k, " × 1"));
  // The labels: y holds n class indices, or Y is K × n one-hot columns.
  if (file.count("y") > 0 && file["y"].size() != n) return bad_shape("y", absl::StrCat(n, " labels"));
  if (file.count("y") == 0 && file["Y"].size() != k * n) return bad_shape("Y", absl::StrCat(k, " × ", n));

  ASSIGN_OR_RETURN(graph::ModelFile model,
                   graph::ParseModelText(DebugModel(f, nf, nh, k, patches), path + " (network)"));
  ASSIGN_OR_RETURN(graph::Graph g, graph::Graph::Build(model));
  ParamStore params(g);
  for (const char* name : {"Fs_flat", "W1", "b1", "W2", "b2"}) {
    const std::vector<double>& v = file[name].values;
    Tensor& t = params.value(g.FindValue(name));
    for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = static_cast<float>(v[i]);
  }
  ExecutorOptions options;
  options.batch = n;
  options.backward = true;
  for (const char* name : {"MX", "conv_outputs_mat", "conv_flat", "X1", "xent:probs"}) {
    options.targets.push_back(g.FindValue(name));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> ex, Executor::Create(g, &params, options));
  // X is 3072 × n, one image per column in the CIFAR record order: our images are Xᵀ.
  float* images = ex->value(g.FindValue("images")).f32();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t p = 0; p < 3072; ++p) images[i * 3072 + p] = static_cast<float>(x.values[p * n + i]);
  }
  int32_t* labels = ex->value(g.FindValue("labels")).i32();
  for (int64_t i = 0; i < n; ++i) {
    if (file.count("y")) {
      const double y = file["y"].values[i];
      if (!(y >= 0 && y < static_cast<double>(k)) || y != std::floor(y)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": label ", y, " of image ", i,
                                                       " is not a class in [0, ", k, ")"));
      }
      labels[i] = static_cast<int32_t>(y);
    } else {  // one-hot columns
      int32_t best = 0;
      for (int64_t c = 1; c < k; ++c) {
        if (file["Y"].values[c * n + i] > file["Y"].values[best * n + i]) best = static_cast<int32_t>(c);
      }
      labels[i] = best;
    }
    if (labels[i] < 0 || labels[i] >= k) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": label ", labels[i], " of image ", i,
                                                     " is outside [0, ", k, ")"));
    }
  }
  Tape tape;
  RETURN_IF_ERROR(ex->Forward(&tape));
  ex->Backward(tape);

  std::vector<CheckRow> rows;
  // Activations: the file's arrays are features × n (features in our per-sample order).
  auto activation = [&](const std::string& key, const std::string& value) {
    if (file.count(key) == 0) return;
    const NpyArray& want = file[key];
    const std::vector<double> ours = AsDoubles(ex->value(g.FindValue(value)));
    const int64_t features = static_cast<int64_t>(ours.size()) / n;
    CheckRow row;
    row.tensor = key;
    row.shape = ShapeText(want.shape);
    row.has_a = true;
    if (want.size() != features * n) {  // a layout graphrun cannot match: a failing row
      row.shape += absl::StrCat(" (graphrun has ", features, " × ", n, ")");
      row.a.max_abs = row.a.mean_abs = row.a.max_rel = INFINITY;
      rows.push_back(row);
      return;
    }
    std::vector<double> got(want.values.size());
    for (int64_t e = 0; e < features; ++e) {
      for (int64_t i = 0; i < n; ++i) got[e * n + i] = ours[i * features + e];
    }
    row.a = Compare(got, want.values);
    rows.push_back(row);
  };
  activation("MX", "MX");
  activation("conv_outputs", "conv_outputs_mat");
  activation("conv_outputs_mat", "conv_outputs_mat");
  activation("conv_outputs_flattened", "conv_outputs_mat");
  activation("conv_flat", "conv_flat");
  activation("X1", "X1");
  activation("P", "xent:probs");
  for (const char* name : {"Fs_flat", "W1", "b1", "W2", "b2"}) {
    const std::string key = absl::StrCat("grad_", name);
    if (file.count(key) == 0) continue;
    CheckRow row;
    row.tensor = key;
    row.shape = ShapeText(file[key].shape);
    row.has_a = true;
    row.a = Compare(AsDoubles(ex->grad(g.FindValue(name))), file[key].values);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace graphrun::runtime
