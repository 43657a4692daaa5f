#include "graph/model_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace graphrun::graph {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// Collects every error protobuf's tokenizer and parser find, as "path:line:col: msg".
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ErrorCollector(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

}  // namespace

int SourceMap::Line(const std::vector<FieldStep>& steps) const {
  // The deepest step whose location protobuf recorded (elements of a list written as
  // `[a, b]` have none of their own: they get the line of the enclosing message).
  if (tree_ == nullptr) return 0;
  const TextFormat::ParseInfoTree* tree = tree_.get();
  const Descriptor* descriptor = proto::Model::descriptor();
  int line = 0;
  for (const FieldStep& step : steps) {
    const FieldDescriptor* field = descriptor->FindFieldByName(step.first);
    if (field == nullptr || tree == nullptr) break;
    const int index = field->is_repeated() ? step.second : -1;
    const int here = tree->GetLocation(field, index).line;
    if (here >= 0) line = here + 1;
    if (field->message_type() == nullptr) break;
    tree = tree->GetTreeForNested(field, index);
    descriptor = field->message_type();
  }
  return line;
}

std::string SourceMap::Where(const std::vector<FieldStep>& steps) const {
  if (path_.empty()) return "";
  const int line = Line(steps);
  return line > 0 ? absl::StrCat(path_, ":", line, ": ") : absl::StrCat(path_, ": ");
}

absl::StatusOr<ModelFile> ParseModelText(const std::string& text, const std::string& path) {
  ErrorCollector collector(path);
  auto tree = std::make_shared<TextFormat::ParseInfoTree>();
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(tree.get());
  ModelFile file;
  const bool ok = parser.ParseFromString(text, &file.model);
  if (!ok || !collector.errors().empty()) {
    std::vector<std::string> errors = collector.errors();
    if (errors.empty()) errors.push_back(absl::StrCat(path, ": not a valid model file"));
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  file.source = SourceMap(path, std::move(tree));
  return file;
}

absl::StatusOr<ModelFile> LoadModelFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a model file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open model file: ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
  }
  return ParseModelText(text.str(), path);
}

std::string ModelToText(const proto::Model& model) {
  std::string out;
  TextFormat::Printer printer;
  printer.PrintToString(model, &out);
  return out;
}

}  // namespace graphrun::graph
