// `graphrun summary MODEL` and `graphrun ops`.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/op_registry.h"
#include "graph/summary.h"
#include "tools/commands.h"
#include "tools/model_loading.h"

namespace graphrun::tools {

int RunSummary(const Args& args) {
  absl::StatusOr<graph::Graph> g = LoadGraph(args[0]);
  if (!g.ok()) return Fail(g.status());
  std::fputs(graph::FormatSummary(*g, graph::Summarize(*g)).c_str(), stdout);
  return kExitOk;
}

int RunOps(const Args&) {
  const graph::OpRegistry& registry = graph::OpRegistry::Global();
  for (const std::string& name : registry.Names()) {
    const graph::OpDef& op = *registry.Find(name);
    std::vector<std::string> inputs, outputs;
    for (const graph::InputSpec& in : op.inputs) inputs.push_back(in.variadic ? in.name + "..." : in.name);
    for (const graph::OutputSpec& out : op.outputs) outputs.push_back(out.name);
    std::string text = absl::StrCat(name, "(", absl::StrJoin(inputs, ", "), ") -> ",
                                    absl::StrJoin(outputs, ", "), "\n    ", op.doc, "\n");
    for (const graph::InputSpec& in : op.inputs) {
      if (!in.doc.empty() || !in.differentiable) {
        absl::StrAppend(&text, "    input ", in.name, ": ", in.doc,
                        in.differentiable ? "" : " (no gradient)", "\n");
      }
    }
    for (const graph::AttrSpec& a : op.attrs) {
      absl::StrAppend(&text, "    attr ", a.name, ": ", a.Describe(), a.doc.empty() ? "" : "; ",
                      a.doc, "\n");
    }
    if (op.no_gradient) absl::StrAppend(&text, "    no gradient\n");
    std::fputs(text.c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace graphrun::tools
