#include "graph/op_registry.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace graphrun::graph {

std::string AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kBool: return "bool";
    case AttrType::kIntList: return "int list";
  }
  return "?";
}

namespace {
AttrSpec MakeSpec(std::string name, AttrType type, std::string doc) {
  AttrSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.doc = std::move(doc);
  return spec;
}

std::string FormatNumber(double x) { return absl::StrCat(x); }

std::string ValueToString(const AttrValue& v) {
  struct Visitor {
    std::string operator()(int64_t i) const { return absl::StrCat(i); }
    std::string operator()(double f) const { return absl::StrCat(f); }
    std::string operator()(const std::string& s) const { return absl::StrCat("\"", s, "\""); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<int64_t>& l) const {
      return absl::StrCat("[", absl::StrJoin(l, ", "), "]");
    }
  };
  return std::visit(Visitor{}, v);
}
}  // namespace

AttrSpec AttrSpec::Int(std::string name, std::string doc) {
  return MakeSpec(std::move(name), AttrType::kInt, std::move(doc));
}
AttrSpec AttrSpec::Float(std::string name, std::string doc) {
  return MakeSpec(std::move(name), AttrType::kFloat, std::move(doc));
}
AttrSpec AttrSpec::String(std::string name, std::string doc) {
  return MakeSpec(std::move(name), AttrType::kString, std::move(doc));
}
AttrSpec AttrSpec::Bool(std::string name, std::string doc) {
  return MakeSpec(std::move(name), AttrType::kBool, std::move(doc));
}
AttrSpec AttrSpec::IntList(std::string name, std::string doc) {
  return MakeSpec(std::move(name), AttrType::kIntList, std::move(doc));
}

AttrSpec& AttrSpec::Default(AttrValue value) {
  default_value = std::move(value);
  return *this;
}

AttrSpec& AttrSpec::Range(double lo, std::optional<double> hi, bool hi_exclusive) {
  min = lo;
  max = hi;
  max_exclusive = hi_exclusive;
  return *this;
}

AttrSpec& AttrSpec::Choices(std::vector<std::string> values) {
  choices = std::move(values);
  return *this;
}

std::string AttrSpec::Describe() const {
  std::string out = AttrTypeName(type);
  if (min.has_value()) {
    absl::StrAppend(&out, " in [", FormatNumber(*min), ", ",
                    max.has_value() ? FormatNumber(*max) : "inf", max_exclusive ? ")" : "]");
  }
  if (!choices.empty()) absl::StrAppend(&out, ", one of ", absl::StrJoin(choices, "|"));
  if (default_value.has_value()) {
    absl::StrAppend(&out, ", default ", ValueToString(*default_value));
  } else {
    absl::StrAppend(&out, ", required");
  }
  return out;
}

absl::Status AttrSpec::CheckValue(const AttrValue& value) const {
  auto check_number = [&](double x) -> absl::Status {
    if (!std::isfinite(x)) {
      return absl::InvalidArgumentError(absl::StrCat("is ", x, ", expected a finite number"));
    }
    const bool below = min.has_value() && x < *min;
    const bool above = max.has_value() && (max_exclusive ? x >= *max : x > *max);
    if (below || above) {
      return absl::InvalidArgumentError(absl::StrCat(
          "is ", FormatNumber(x), ", out of range [", min.has_value() ? FormatNumber(*min) : "-inf",
          ", ", max.has_value() ? FormatNumber(*max) : "inf", max_exclusive ? ")" : "]"));
    }
    return absl::OkStatus();
  };
  if (const auto* i = std::get_if<int64_t>(&value)) return check_number(static_cast<double>(*i));
  if (const auto* f = std::get_if<double>(&value)) return check_number(*f);
  if (const auto* l = std::get_if<std::vector<int64_t>>(&value)) {
    for (int64_t x : *l) {
      absl::Status s = check_number(static_cast<double>(x));
      if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("has an element that ", s.message()));
    }
    return absl::OkStatus();
  }
  if (const auto* s = std::get_if<std::string>(&value); s != nullptr && !choices.empty()) {
    for (const std::string& c : choices) {
      if (c == *s) return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("is \"", *s, "\", expected one of ", absl::StrJoin(choices, ", ")));
  }
  return absl::OkStatus();
}

const AttrValue& Attrs::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::cerr << "graphrun internal error: attribute '" << name << "' was not validated\n";
    std::abort();
  }
  return it->second;
}

int64_t Attrs::GetInt(const std::string& name) const { return std::get<int64_t>(Get(name)); }
double Attrs::GetFloat(const std::string& name) const { return std::get<double>(Get(name)); }
const std::string& Attrs::GetString(const std::string& name) const {
  return std::get<std::string>(Get(name));
}
bool Attrs::GetBool(const std::string& name) const { return std::get<bool>(Get(name)); }
const std::vector<int64_t>& Attrs::GetIntList(const std::string& name) const {
  return std::get<std::vector<int64_t>>(Get(name));
}

const AttrSpec* OpDef::FindAttr(const std::string& attr) const {
  for (const AttrSpec& spec : attrs) {
    if (spec.name == attr) return &spec;
  }
  return nullptr;
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();
  return *registry;
}

void OpRegistry::Register(OpDef def) {
  if (ops_.count(def.name) > 0 || !def.shape) {
    std::cerr << "graphrun internal error: op '" << def.name
              << "' registered twice or without a shape function\n";
    std::abort();
  }
  std::string name = def.name;
  ops_[name] = std::make_unique<OpDef>(std::move(def));
}

const OpDef* OpRegistry::Find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, def] : ops_) names.push_back(name);
  return names;
}

OpDefBuilder& OpDefBuilder::Doc(std::string doc) {
  def_.doc = std::move(doc);
  return *this;
}
OpDefBuilder& OpDefBuilder::Input(std::string name, std::string doc) {
  def_.inputs.push_back({std::move(name), std::move(doc), true, false});
  return *this;
}
OpDefBuilder& OpDefBuilder::NonDifferentiableInput(std::string name, std::string doc) {
  def_.inputs.push_back({std::move(name), std::move(doc), false, false});
  return *this;
}
OpDefBuilder& OpDefBuilder::VariadicInput(std::string name, std::string doc) {
  def_.inputs.push_back({std::move(name), std::move(doc), true, true});
  return *this;
}
OpDefBuilder& OpDefBuilder::Output(std::string name, std::string doc) {
  def_.outputs.push_back({std::move(name), std::move(doc), true});
  return *this;
}
OpDefBuilder& OpDefBuilder::NonDifferentiableOutput(std::string name, std::string doc) {
  def_.outputs.push_back({std::move(name), std::move(doc), false});
  return *this;
}
OpDefBuilder& OpDefBuilder::Attr(AttrSpec spec) {
  def_.attrs.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::Shape(ShapeFn fn) {
  def_.shape = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::Flops(FlopsFn fn) {
  def_.flops = std::move(fn);
  return *this;
}
OpDefBuilder& OpDefBuilder::NoGradient() {
  def_.no_gradient = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::ForwardAlias() {
  def_.forward_alias = true;
  return *this;
}
OpDefBuilder& OpDefBuilder::GradientPassthrough() {
  def_.gradient_passthrough = true;
  return *this;
}

OpRegistrar::OpRegistrar(OpDefBuilder& builder) {
  OpRegistry::Global().Register(std::move(builder).Build());
}

absl::StatusOr<std::vector<TensorType>> SameAsFirstInput(const ShapeContext& ctx) {
  return std::vector<TensorType>{ctx.inputs[0]};
}

}  // namespace graphrun::graph
