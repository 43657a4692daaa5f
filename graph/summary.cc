#include "graph/summary.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/text.h"

namespace graphrun::graph {

Summary Summarize(const Graph& graph) {
  Summary summary;
  std::set<int> counted;
  for (const Node& node : graph.nodes()) {
    SummaryRow row;
    row.node = node.name;
    row.op = node.op->name;
    std::vector<std::string> shapes;
    for (int v : node.outputs) shapes.push_back(graph.value(v).type.shape.ToString());
    row.output = absl::StrJoin(shapes, ", ");
    for (int v : node.inputs) {
      const Value& value = graph.value(v);
      if (value.kind == Value::Kind::kParam && node.source_index >= 0 && counted.insert(v).second) {
        const int64_t n = value.type.shape.NumElements();
        row.params += n;
        summary.total_params += n;
        if (value.trainable) summary.trainable_params += n;
      }
    }
    row.flops = graph.FlopsPerSample(node);
    summary.total_flops += row.flops;
    summary.rows.push_back(std::move(row));
  }
  return summary;
}

std::string FormatSummary(const Graph& graph, const Summary& summary) {
  size_t w_node = 4, w_op = 2, w_out = 6;
  for (const SummaryRow& r : summary.rows) {
    w_node = std::max(w_node, DisplayWidth(r.node));
    w_op = std::max(w_op, DisplayWidth(r.op));
    w_out = std::max(w_out, DisplayWidth(r.output));
  }
  const auto& pad = PadRight;
  std::string out = absl::StrCat("model ", graph.name(),
                                 graph.source().path().empty() ? "" : " (" + graph.source().path() + ")",
                                 "\n");
  if (!graph.model().description().empty()) absl::StrAppend(&out, graph.model().description(), "\n");
  absl::StrAppend(&out, "\n", pad("node", w_node), "  ", pad("op", w_op), "  ", pad("output", w_out),
                  absl::StrFormat("  %12s  %14s\n", "params", "FLOPs/sample"));
  const size_t width = w_node + w_op + w_out + 6 + 12 + 2 + 14;
  absl::StrAppend(&out, std::string(width, '-'), "\n");
  for (const SummaryRow& r : summary.rows) {
    absl::StrAppend(&out, pad(r.node, w_node), "  ", pad(r.op, w_op), "  ", pad(r.output, w_out),
                    absl::StrFormat("  %12s  %14s\n", WithThousands(r.params), WithThousands(r.flops)));
  }
  absl::StrAppend(&out, std::string(width, '-'), "\n");
  absl::StrAppend(&out, pad("total", w_node + w_op + w_out + 4),
                  absl::StrFormat("  %12s  %14s\n", WithThousands(summary.total_params),
                                  WithThousands(summary.total_flops)));
  absl::StrAppend(&out, "trainable parameters: ", WithThousands(summary.trainable_params),
                  "; forward FLOPs per sample: ", WithThousands(summary.total_flops), "\n");
  return out;
}

}  // namespace graphrun::graph
