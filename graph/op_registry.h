// The op registry: every op is registered once, by name, with its inputs, outputs,
// typed attribute schema, shape function, FLOP count, and its kernels (the oneDNN one
// and the double-precision reference), in one chained statement in its ops/ file:
//
//   GRAPHRUN_REGISTER_OP(relu)
//       .Doc("max(x, 0), elementwise.")
//       .Input("x")
//       .Output("y")
//       .Shape(SameShapeAsInput)
//       .Kernel<ReluKernel>()
//       .Reference<ReluReference>();
//
// graph/ only stores the kernel factories; it never calls them (runtime/ does).
#ifndef GRAPHRUN_GRAPH_OP_REGISTRY_H_
#define GRAPHRUN_GRAPH_OP_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/shape.h"

namespace graphrun::runtime {
class Kernel;
class RefKernel;
}  // namespace graphrun::runtime

namespace graphrun::graph {

// The type of an attribute, as the schema declares it.
enum class AttrType { kInt, kFloat, kString, kBool, kIntList };
std::string AttrTypeName(AttrType type);

// A resolved attribute value.
using AttrValue = std::variant<int64_t, double, std::string, bool, std::vector<int64_t>>;

// One attribute in an op's schema: its type, default (none: required), allowed range
// or choices.
struct AttrSpec {
  std::string name;
  AttrType type = AttrType::kInt;
  std::string doc;
  std::optional<AttrValue> default_value;
  std::optional<double> min;  // inclusive
  std::optional<double> max;
  bool max_exclusive = false;
  std::vector<std::string> choices;  // kString: the allowed values

  static AttrSpec Int(std::string name, std::string doc);
  static AttrSpec Float(std::string name, std::string doc);
  static AttrSpec String(std::string name, std::string doc);
  static AttrSpec Bool(std::string name, std::string doc);
  static AttrSpec IntList(std::string name, std::string doc);
  AttrSpec& Default(AttrValue value);
  // Numbers (and every element of an int list) must lie in [lo, hi] or [lo, hi).
  AttrSpec& Range(double lo, std::optional<double> hi = std::nullopt, bool hi_exclusive = false);
  AttrSpec& Choices(std::vector<std::string> values);

  // Checks a value against the range and choices; the message names the allowed set.
  absl::Status CheckValue(const AttrValue& value) const;
  // "int in [1, inf)", "string, one of study|uniform", used by help and messages.
  std::string Describe() const;
};

// The resolved attributes of one node (defaults filled in, types checked).
class Attrs {
 public:
  void Set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The getters assume validation passed: a missing or mistyped attribute is a bug.
  int64_t GetInt(const std::string& name) const;
  double GetFloat(const std::string& name) const;
  const std::string& GetString(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  const std::vector<int64_t>& GetIntList(const std::string& name) const;
  const std::map<std::string, AttrValue>& values() const { return values_; }

 private:
  const AttrValue& Get(const std::string& name) const;
  std::map<std::string, AttrValue> values_;
};

// A declared input of an op.
struct InputSpec {
  std::string name;
  std::string doc;
  bool differentiable = true;  // false: never receives a gradient (labels)
  bool variadic = false;       // the last input may repeat (one or more tensors)
};

// A declared output of an op. Output 0 is the node's name; output i > 0 is "node:name".
struct OutputSpec {
  std::string name;
  std::string doc;
  bool differentiable = true;  // false: a gradient never flows back through it
};

// What a shape or FLOP function sees of a node.
struct ShapeContext {
  const std::vector<TensorType>& inputs;
  const Attrs& attrs;
};

// Output types from input types and attributes; an error explains the mismatch with
// both shapes (the caller prefixes the node and op).
using ShapeFn = std::function<absl::StatusOr<std::vector<TensorType>>(const ShapeContext&)>;
// Forward floating-point operations for one sample (shapes have batch 1).
using FlopsFn =
    std::function<int64_t(const ShapeContext&, const std::vector<TensorType>& outputs)>;
using KernelFactory = std::function<std::unique_ptr<runtime::Kernel>()>;
using RefKernelFactory = std::function<std::unique_ptr<runtime::RefKernel>()>;

// Everything graphrun knows about one op.
struct OpDef {
  std::string name;
  std::string doc;
  std::vector<InputSpec> inputs;
  std::vector<OutputSpec> outputs;
  std::vector<AttrSpec> attrs;
  ShapeFn shape;
  FlopsFn flops;                 // null: 0 FLOPs (layout ops)
  KernelFactory kernel;          // oneDNN float32 forward and backward
  RefKernelFactory reference;    // double-precision forward and backward
  bool no_gradient = false;      // on purpose: no backward (argmax)
  // Output 0 may be input 0's buffer seen with another shape (no copy): reshapes.
  bool forward_alias = false;
  // dL/d(input 0) equals dL/d(output 0) seen with input 0's shape (bias_add, reshapes):
  // the executor may let the two gradients share a buffer.
  bool gradient_passthrough = false;

  const AttrSpec* FindAttr(const std::string& attr) const;
  bool Variadic() const { return !inputs.empty() && inputs.back().variadic; }
};

// The process-wide table of ops.
class OpRegistry {
 public:
  static OpRegistry& Global();
  // Registers `def`; a second op of the same name is a programming error (aborts).
  void Register(OpDef def);
  // Null when no op has that name.
  const OpDef* Find(const std::string& name) const;
  // All op names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<OpDef>> ops_;
};

// Builds an OpDef with chained calls; GRAPHRUN_REGISTER_OP registers it.
class OpDefBuilder {
 public:
  explicit OpDefBuilder(std::string name) { def_.name = std::move(name); }
  OpDefBuilder& Doc(std::string doc);
  OpDefBuilder& Input(std::string name, std::string doc = "");
  OpDefBuilder& NonDifferentiableInput(std::string name, std::string doc = "");
  OpDefBuilder& VariadicInput(std::string name, std::string doc = "");
  OpDefBuilder& Output(std::string name, std::string doc = "");
  OpDefBuilder& NonDifferentiableOutput(std::string name, std::string doc = "");
  OpDefBuilder& Attr(AttrSpec spec);
  OpDefBuilder& Shape(ShapeFn fn);
  OpDefBuilder& Flops(FlopsFn fn);
  OpDefBuilder& NoGradient();
  OpDefBuilder& ForwardAlias();
  OpDefBuilder& GradientPassthrough();
  template <typename K>
  OpDefBuilder& Kernel() {
    def_.kernel = [] { return std::unique_ptr<runtime::Kernel>(new K()); };
    return *this;
  }
  template <typename R>
  OpDefBuilder& Reference() {
    def_.reference = [] { return std::unique_ptr<runtime::RefKernel>(new R()); };
    return *this;
  }
  OpDef Build() && { return std::move(def_); }

 private:
  OpDef def_;
};

// Registers the built op at static-initialisation time.
struct OpRegistrar {
  OpRegistrar(OpDefBuilder& builder);  // NOLINT: implicit on purpose, see the macro
};

#define GRAPHRUN_REGISTER_OP(name)                                              \
  static ::graphrun::graph::OpRegistrar graphrun_op_registrar_##name [[maybe_unused]] = \
      ::graphrun::graph::OpDefBuilder(#name)

// Shape function of elementwise ops: the output has the first input's type.
absl::StatusOr<std::vector<TensorType>> SameAsFirstInput(const ShapeContext& ctx);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_OP_REGISTRY_H_
