// Checkpoints: written atomically (temporary file, fsync, rename) with a CRC-32 that
// loading verifies; a checkpoint only loads into the model it came from.
#ifndef GRAPHRUN_RUNTIME_CHECKPOINT_H_
#define GRAPHRUN_RUNTIME_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "proto/checkpoint.pb.h"
#include "runtime/params.h"

namespace graphrun::runtime {

// The checkpoint file inside a run directory.
inline constexpr char kCheckpointFile[] = "checkpoint.bin";

// A stable 64-bit fingerprint of a graph's inputs, parameters and nodes (not of its
// training section, so --set overrides do not change it).
uint64_t ModelFingerprint(const graph::Graph& graph);

// Frames and writes `checkpoint` atomically. A parameter or optimiser value that is not
// finite (a diverged run) is FailedPrecondition naming the step and the learning rate, and
// the file on disk is left as it was.
absl::Status WriteCheckpoint(const std::string& path, const proto::Checkpoint& checkpoint);
// Reads and verifies (magic, version, length, checksum) a checkpoint file.
absl::StatusOr<proto::Checkpoint> ReadCheckpoint(const std::string& path);
// The bytes WriteCheckpoint writes: magic, version, length, CRC-32, serialized message.
absl::StatusOr<std::string> FrameCheckpoint(const proto::Checkpoint& checkpoint);
// ReadCheckpoint for the bytes of a checkpoint file; `path` names it in messages.
absl::StatusOr<proto::Checkpoint> ParseCheckpoint(const std::string& bytes, const std::string& path);

// The parameters of `params` as checkpoint tensors, and back (checking the fingerprint,
// names and shapes, every parameter exactly once; errors name the file).
void SaveParams(const ParamStore& params, proto::Checkpoint* checkpoint);
absl::Status RestoreParams(const proto::Checkpoint& checkpoint, const std::string& path,
                           ParamStore* params);

// Float32 tensor <-> TensorData.
proto::TensorData ToTensorData(const std::string& name, const Tensor& t);
absl::Status FromTensorData(const proto::TensorData& data, const std::string& path, Tensor* t);

}  // namespace graphrun::runtime

#endif  // GRAPHRUN_RUNTIME_CHECKPOINT_H_
