#include "graph/model_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "graph/names.h"

namespace graphrun::graph {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// The field a value at (line, column) (0-based, as protobuf counts) belongs to: the
// name before the `:` that precedes it on its line ("batch_size" in
// "batch_size: 99999999999"), or "" when the line does not read that way.
std::string FieldBefore(const std::vector<absl::string_view>& lines, int line, int column) {
  if (line < 0 || line >= static_cast<int>(lines.size())) return "";
  const absl::string_view text = lines[line];
  if (column < 0 || column > static_cast<int>(text.size()) || text.find('\t') != absl::string_view::npos) {
    return "";  // protobuf counts a tab as up to 8 columns
  }
  int at = column - 1;
  while (at >= 0 && (text[at] == ' ' || text[at] == '[' || text[at] == ',' || absl::ascii_isalnum(text[at]) ||
                     text[at] == '-' || text[at] == '.' || text[at] == '"')) {
    if (text[at] == '[') {  // inside a list: the field is before the bracket
      --at;
      break;
    }
    --at;
  }
  while (at >= 0 && text[at] == ' ') --at;
  if (at < 0 || text[at] != ':') return "";
  int end = at;
  while (end > 0 && text[end - 1] == ' ') --end;
  int begin = end;
  while (begin > 0 && (absl::ascii_isalnum(text[begin - 1]) || text[begin - 1] == '_')) --begin;
  return std::string(text.substr(begin, end - begin));
}

// Protobuf's 'Message type "graphrun.proto.Node" has no field named "inptu".' with the
// field names of that message suggested, and a hint when the name is a field of the
// enclosing model (a `}` missing before it); other messages unchanged.
std::string WithSuggestion(const std::string& message) {
  constexpr absl::string_view kBefore = "Message type \"", kMiddle = "\" has no field named \"";
  absl::string_view rest = message;
  if (!absl::ConsumePrefix(&rest, kBefore)) return message;
  const size_t middle = rest.find(kMiddle);
  if (middle == absl::string_view::npos) return message;
  const std::string type_name(rest.substr(0, middle));
  rest.remove_prefix(middle + kMiddle.size());
  absl::ConsumeSuffix(&rest, ".");
  if (!absl::ConsumeSuffix(&rest, "\"")) return message;
  const std::string name(rest);
  const Descriptor* type = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
  if (type == nullptr) return message;
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
  std::string suggestion = Suggest(name, names);
  if (type != proto::Model::descriptor() && proto::Model::descriptor()->FindFieldByName(name) != nullptr &&
      !absl::StartsWith(suggestion, "; did you mean")) {
    suggestion = absl::StrCat("; '", name, "' belongs to the model: is the '}' closing the ",
                              type->name(), " before it missing?");
  }
  return absl::StrCat(kBefore, type_name, kMiddle, name, "\"", suggestion);
}

// The 0-based offset of the first byte that cannot be in a text file (NUL or another
// control character, or invalid UTF-8), or npos.
size_t FirstNonText(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return i;
      if (c == 0x7f) return i;
      ++i;
      continue;
    }
    const size_t length = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return i;
    }
    i += length;
  }
  return std::string::npos;
}

// Collects every error protobuf's tokenizer and parser find, as "path:line:col: msg",
// naming the field when the message does not.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  ErrorCollector(std::string path, const std::string& text)
      : path_(std::move(path)), lines_(absl::StrSplit(text, '\n')) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    std::string field = FieldBefore(lines_, line, column);
    if (!field.empty() && message.find(field) == std::string::npos) {
      field = absl::StrCat(" (field '", field, "')");
    } else {
      field.clear();
    }
    errors_.push_back(absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ",
                                   WithSuggestion(message), field));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string path_;
  std::vector<absl::string_view> lines_;  // of the text being parsed
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
  if (const size_t bad = FirstNonText(text); bad != std::string::npos) {
    const size_t newline = bad == 0 ? std::string::npos : text.rfind('\n', bad - 1);
    const size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + bad, '\n'));
    const size_t column = bad - (newline == std::string::npos ? 0 : newline + 1) + 1;
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s:%d:%d: byte 0x%02x is not text: a model file is protobuf text format (see proto/graph.proto)",
        path, line, column, static_cast<unsigned char>(text[bad])));
  }
  ErrorCollector collector(path, text);
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
