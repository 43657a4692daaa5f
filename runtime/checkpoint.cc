#include "runtime/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/atomic_file.h"
#include "runtime/schedule.h"

namespace graphrun::runtime {

namespace {

constexpr char kMagic[8] = {'G', 'R', 'U', 'N', 'C', 'K', 'P', 'T'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeader = 8 + 4 + 8 + 4;  // magic, version, length, crc32

void Put(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t Get(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// "'W1' holds inf (element 3)" for the first non-finite value of a parameter or of the
// optimiser state, or "" when every value is finite.
std::string FirstNonFinite(const proto::Checkpoint& checkpoint) {
  for (const auto* list : {&checkpoint.params(), &checkpoint.optimizer_state()}) {
    for (const proto::TensorData& d : *list) {
      const std::string& bytes = d.data();
      for (size_t at = 0; at + sizeof(float) <= bytes.size(); at += sizeof(float)) {
        float x;
        std::memcpy(&x, bytes.data() + at, sizeof(float));
        if (!std::isfinite(x)) {
          return absl::StrCat("'", d.name(), "' holds ", x, " (element ", at / sizeof(float), ")");
        }
      }
    }
  }
  return "";
}

}  // namespace

uint64_t ModelFingerprint(const graph::Graph& graph) {
  // Names, kinds, dtypes and shapes of all values, and every node's op, inputs and attrs.
  std::string canonical;
  for (const graph::Value& v : graph.values()) {
    absl::StrAppend(&canonical, v.name, "|", static_cast<int>(v.kind), "|", v.type.ToString(), ";");
  }
  for (const graph::Node& n : graph.nodes()) {
    if (n.source_index < 0) continue;  // the lowered L2 and argmax nodes follow the training section
    absl::StrAppend(&canonical, n.name, "=", n.op->name, "(");
    for (int v : n.inputs) absl::StrAppend(&canonical, graph.value(v).name, ",");
    absl::StrAppend(&canonical, ")");
    for (const auto& [name, value] : n.attrs.values()) {
      absl::StrAppend(&canonical, name, ":", value.index(), ";");
    }
  }
  return Fnv1a(canonical);
}

absl::Status WriteCheckpoint(const std::string& path, const proto::Checkpoint& checkpoint) {
  // A diverged run must never replace the last good checkpoint.
  if (const std::string bad = FirstNonFinite(checkpoint); !bad.empty()) {
    const int64_t step = std::max<int64_t>(checkpoint.step() - 1, 0);
    const std::string rate =
        checkpoint.has_training()
            ? absl::StrFormat(" (learning rate %.6g)", Schedule(checkpoint.training()).Rate(step))
            : "";
    return absl::FailedPreconditionError(absl::StrCat(
        "training diverged at step ", step, rate, ": ", bad, ". Not saved: ", path,
        " still holds the last good state; lower training.schedule.eta_max or raise "
        "training.l2.lambda"));
  }
  absl::StatusOr<std::string> framed = FrameCheckpoint(checkpoint);
  if (!framed.ok()) return absl::Status(framed.status().code(), absl::StrCat(path, ": ", framed.status().message()));
  return WriteFileAtomically(path, *framed);
}

absl::StatusOr<std::string> FrameCheckpoint(const proto::Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) {
    return absl::InternalError("cannot serialise the checkpoint (more than 2 GiB?)");
  }
  std::string framed(kMagic, sizeof(kMagic));
  Put(&framed, kVersion, 4);
  Put(&framed, payload.size(), 8);
  Put(&framed, crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())), 4);
  framed += payload;
  return framed;
}

absl::StatusOr<proto::Checkpoint> ParseCheckpoint(const std::string& b, const std::string& path) {
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(path, ": not a usable checkpoint: ", what));
  };
  if (b.empty()) return corrupt("the file is empty");
  if (b.size() < sizeof(kMagic) || std::memcmp(b.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("no graphrun checkpoint header");
  }
  if (b.size() < kHeader) {
    return corrupt(absl::StrCat("truncated: ", b.size(), " bytes, shorter than the ", kHeader,
                                "-byte header"));
  }
  const uint64_t version = Get(b, 8, 4), length = Get(b, 12, 8), crc = Get(b, 20, 4);
  if (version != kVersion) return corrupt(absl::StrCat("format version ", version, " (expected ", kVersion, ")"));
  if (length != b.size() - kHeader) {
    return corrupt(absl::StrCat(length > b.size() - kHeader ? "truncated" : "trailing bytes",
                                ": the header promises ", length, " bytes, the file holds ",
                                b.size() - kHeader));
  }
  if (length > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return corrupt(absl::StrCat(length, " bytes is more than a checkpoint can hold"));
  }
  const uint32_t actual = crc32(0, reinterpret_cast<const Bytef*>(b.data() + kHeader), static_cast<uInt>(length));
  if (actual != crc) {
    return corrupt(absl::StrFormat("checksum mismatch (stored %08x, computed %08x)", crc, actual));
  }
  proto::Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(b.data() + kHeader, static_cast<int>(length))) {
    return corrupt("the contents do not parse");
  }
  return checkpoint;
}

absl::StatusOr<proto::Checkpoint> ReadCheckpoint(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return ParseCheckpoint(*bytes, path);
}

proto::TensorData ToTensorData(const std::string& name, const Tensor& t) {
  proto::TensorData d;
  d.set_name(name);
  for (int64_t dim : t.shape().dims()) d.add_shape(dim);
  d.set_data(std::string(static_cast<const char*>(t.data()), t.bytes()));
  return d;
}

absl::Status FromTensorData(const proto::TensorData& data, const std::string& path, Tensor* t) {
  const graph::Dims dims(data.shape().begin(), data.shape().end());
  if (dims != t->shape().dims() || data.data().size() != t->bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": '", data.name(), "' has shape ",
                                                   graph::Shape(dims).ToString(), " in the checkpoint, ",
                                                   t->shape().ToString(), " in the model"));
  }
  std::memcpy(t->data(), data.data().data(), t->bytes());
  return absl::OkStatus();
}

void SaveParams(const ParamStore& params, proto::Checkpoint* checkpoint) {
  const graph::Graph& g = params.graph();
  checkpoint->set_model_name(g.name());
  checkpoint->set_model_fingerprint(ModelFingerprint(g));
  for (int id : params.ids()) *checkpoint->add_params() = ToTensorData(g.value(id).name, params.value(id));
}

absl::Status RestoreParams(const proto::Checkpoint& checkpoint, const std::string& path,
                           ParamStore* params) {
  const graph::Graph& g = params->graph();
  if (checkpoint.model_fingerprint() != ModelFingerprint(g)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the checkpoint is of model '", checkpoint.model_name(), "', whose graph differs from '",
        g.name(), "' (", g.source().path(), ")"));
  }
  std::set<std::string> restored;
  for (const proto::TensorData& d : checkpoint.params()) {
    const int id = g.FindValue(d.name());
    if (id < 0 || g.value(id).kind != graph::Value::Kind::kParam) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown parameter '", d.name(), "'"));
    }
    if (!restored.insert(d.name()).second) {
      return absl::DataLossError(absl::StrCat(path, ": parameter '", d.name(), "' is stored twice"));
    }
    absl::Status s = FromTensorData(d, path, &params->value(id));
    if (!s.ok()) return s;
  }
  for (int id : params->ids()) {
    if (restored.count(g.value(id).name) == 0) {
      return absl::DataLossError(
          absl::StrCat(path, ": holds no values for parameter '", g.value(id).name, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
