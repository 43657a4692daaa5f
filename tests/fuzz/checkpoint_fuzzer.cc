// Fuzzes the checkpoint reader (`train --resume`, `eval --checkpoint`): framing, checksum,
// the message, and restoring parameters into a model.
//
// The first byte chooses how the rest is used, so that the fuzzer reaches past the
// checksum: bit 0 set frames the rest as a checkpoint payload with a correct header and
// CRC-32; bit 1 set gives the parsed checkpoint the tiny model's fingerprint, so that
// names, shapes and sizes of the stored tensors are checked too.
//
// Promises: errors name the file; a checkpoint that restores is framed and read back
// unchanged.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/checkpoint.h"
#include "runtime/params.h"
#include "tests/fuzz/fuzz_util.h"

namespace graphrun::fuzz {
namespace {

constexpr char kFile[] = "fuzz.ckpt";

void Run(uint8_t mode, const std::string& rest) {
  std::string bytes = rest;
  if (mode & 1) {
    // The framing runtime/checkpoint.cc writes: magic, version 1, length, CRC-32 (little-endian).
    bytes = std::string("GRUNCKPT\x01\x00\x00\x00", 12);
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((uint64_t{rest.size()} >> (8 * i)) & 0xff));
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(rest.data()), static_cast<uInt>(rest.size())));
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    bytes += rest;
  }
  absl::StatusOr<proto::Checkpoint> checkpoint = runtime::ParseCheckpoint(bytes, kFile);
  if (!checkpoint.ok()) return RequireNamesFile(checkpoint.status(), kFile);

  const graph::Graph& g = TinyGraph();
  if (mode & 2) checkpoint->set_model_fingerprint(runtime::ModelFingerprint(g));
  runtime::ParamStore params(g);
  const absl::Status restored = runtime::RestoreParams(*checkpoint, kFile, &params);
  if (!restored.ok()) return RequireNamesFile(restored, kFile);

  // Every parameter was restored: saving them again gives a checkpoint that reads back.
  proto::Checkpoint saved;
  runtime::SaveParams(params, &saved);
  absl::StatusOr<std::string> framed = runtime::FrameCheckpoint(saved);
  Require(framed.ok(), "cannot frame a restored checkpoint");
  absl::StatusOr<proto::Checkpoint> back = runtime::ParseCheckpoint(*framed, kFile);
  Require(back.ok(), "a framed checkpoint does not read back");
  Require(back->params_size() == checkpoint->params_size(), "parameters lost in the round trip");
  for (const proto::TensorData& d : back->params()) {
    bool same = false;
    for (const proto::TensorData& original : checkpoint->params()) {
      same = same || (original.name() == d.name() && original.data() == d.data());
    }
    Require(same, "parameter '" + d.name() + "' changed in the round trip");
  }
}

}  // namespace
}  // namespace graphrun::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 << 20) return 0;
  graphrun::fuzz::Run(data[0], std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
