// Reading model files: protobuf text format with every syntax error reported as
// "models/x.pbtxt:LINE:COL: message", and the source line of every element kept so
// that later validation errors can point at it.
#ifndef GRAPHRUN_GRAPH_MODEL_FILE_H_
#define GRAPHRUN_GRAPH_MODEL_FILE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/text_format.h>

#include "absl/status/statusor.h"
#include "proto/graph.pb.h"

namespace graphrun::graph {

// A step of a path into the model message: a field name and the index of the value
// (0 for a singular field).
using FieldStep = std::pair<std::string, int>;

// Where each element of a parsed model file came from.
class SourceMap {
 public:
  SourceMap() = default;  // no locations: a model built in code
  SourceMap(std::string path, std::shared_ptr<google::protobuf::TextFormat::ParseInfoTree> tree)
      : path_(std::move(path)), tree_(std::move(tree)) {}

  // The file name ("" for a model built in code).
  const std::string& path() const { return path_; }
  // 1-based line of the value at `path` (e.g. {{"node", 3}, {"input", 1}}), or 0 when
  // unknown (not in the file, or no file).
  int Line(const std::vector<FieldStep>& steps) const;
  // "file:line: " for the value at `steps`, falling back to "file: " or "".
  std::string Where(const std::vector<FieldStep>& steps) const;

 private:
  std::string path_;
  std::shared_ptr<google::protobuf::TextFormat::ParseInfoTree> tree_;
};

// A parsed model file.
struct ModelFile {
  proto::Model model;
  SourceMap source;
};

// Parses model text; `path` names it in messages. All syntax errors are reported, one
// per line of the returned InvalidArgument message.
absl::StatusOr<ModelFile> ParseModelText(const std::string& text, const std::string& path);

// Reads and parses a model file; a missing or unreadable file is NotFound naming it.
absl::StatusOr<ModelFile> LoadModelFile(const std::string& path);

// The model as resolved, in text format (what a run directory keeps).
std::string ModelToText(const proto::Model& model);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_MODEL_FILE_H_
