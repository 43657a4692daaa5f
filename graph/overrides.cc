#include "graph/overrides.h"

#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/names.h"

namespace graphrun::graph {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::vector<std::string> FieldNames(const Descriptor* d) {
  std::vector<std::string> names;
  for (int i = 0; i < d->field_count(); ++i) names.push_back(d->field(i)->name());
  return names;
}

// Sets (or, for a repeated field, appends) one scalar value.
absl::Status SetScalar(Message* msg, const FieldDescriptor* f, const std::string& text,
                       const std::string& path) {
  const Reflection* r = msg->GetReflection();
  const bool rep = f->is_repeated();
  auto bad = [&](const char* expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("--set ", path, ": '", text, "' is not ", expected));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("a 32-bit integer");
      rep ? r->AddInt32(msg, f, v) : r->SetInt32(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("an integer");
      rep ? r->AddInt64(msg, f, v) : r->SetInt64(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("a non-negative integer");
      rep ? r->AddUInt32(msg, f, v) : r->SetUInt32(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) return bad("a non-negative integer");
      rep ? r->AddUInt64(msg, f, v) : r->SetUInt64(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return bad("a number");
      rep ? r->AddDouble(msg, f, v) : r->SetDouble(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float v;
      if (!absl::SimpleAtof(text, &v)) return bad("a number");
      rep ? r->AddFloat(msg, f, v) : r->SetFloat(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(text, &v)) return bad("true or false");
      rep ? r->AddBool(msg, f, v) : r->SetBool(msg, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(msg, f, text) : r->SetString(msg, f, text);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = f->enum_type()->FindValueByName(absl::AsciiStrToUpper(text));
      if (value == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          names.push_back(f->enum_type()->value(i)->name());
        }
        return absl::InvalidArgumentError(absl::StrCat("--set ", path, ": '", text,
                                                       "' is not a value", Suggest(text, names)));
      }
      rep ? r->AddEnum(msg, f, value) : r->SetEnum(msg, f, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(
          absl::StrCat("--set ", path, ": is a message; set one of its fields (",
                       absl::StrJoin(FieldNames(f->message_type()), ", "), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyOverride(const std::string& assignment, proto::Training* training) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--set '", assignment, "': expected FIELD=VALUE, e.g. schedule.cycles=1"));
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Message* msg = training;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  std::string walked = "training";
  for (size_t i = 0; i < parts.size(); ++i) {
    const Descriptor* d = msg->GetDescriptor();
    const FieldDescriptor* f = d->FindFieldByName(parts[i]);
    if (f == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--set ", path, ": ", walked, " has no field '",
                                                     parts[i], "'", Suggest(parts[i], FieldNames(d))));
    }
    walked = absl::StrCat(walked, ".", parts[i]);
    if (i + 1 < parts.size()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--set ", path, ": ", walked, " has no fields"));
      }
      msg = msg->GetReflection()->MutableMessage(msg, f);
      continue;
    }
    if (f->is_repeated()) {
      msg->GetReflection()->ClearField(msg, f);
      if (text.empty()) return absl::OkStatus();
      for (const std::string& item : std::vector<std::string>(absl::StrSplit(text, ','))) {
        if (absl::Status s = SetScalar(msg, f, item, path); !s.ok()) return s;
      }
      return absl::OkStatus();
    }
    return SetScalar(msg, f, text, path);
  }
  return absl::OkStatus();
}

}  // namespace graphrun::graph
