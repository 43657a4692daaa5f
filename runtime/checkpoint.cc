#include "runtime/checkpoint.h"

#include <zlib.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/atomic_file.h"

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
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialise the checkpoint"));
  }
  std::string framed(kMagic, sizeof(kMagic));
  Put(&framed, kVersion, 4);
  Put(&framed, payload.size(), 8);
  Put(&framed, crc32(0, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())), 4);
  framed += payload;
  return WriteFileAtomically(path, framed);
}

absl::StatusOr<proto::Checkpoint> ReadCheckpoint(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  const std::string& b = *bytes;
  auto corrupt = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat(path, ": not a usable checkpoint: ", what));
  };
  if (b.size() < kHeader || std::memcmp(b.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("no graphrun checkpoint header");
  }
  const uint64_t version = Get(b, 8, 4), length = Get(b, 12, 8), crc = Get(b, 20, 4);
  if (version != kVersion) return corrupt(absl::StrCat("format version ", version, " (expected ", kVersion, ")"));
  if (length != b.size() - kHeader) {
    return corrupt(absl::StrCat("truncated: the header promises ", length, " bytes, the file holds ",
                                b.size() - kHeader));
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
  for (const proto::TensorData& d : checkpoint.params()) {
    const int id = g.FindValue(d.name());
    if (id < 0 || g.value(id).kind != graph::Value::Kind::kParam) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown parameter '", d.name(), "'"));
    }
    absl::Status s = FromTensorData(d, path, &params->value(id));
    if (!s.ok()) return s;
  }
  if (checkpoint.params_size() != static_cast<int>(params->ids().size())) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": holds ", checkpoint.params_size(),
                                                   " parameters, the model has ", params->ids().size()));
  }
  return absl::OkStatus();
}

}  // namespace graphrun::runtime
