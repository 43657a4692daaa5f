// `graphrun summary`: per node, its op, output shape, parameter count and forward FLOPs.
#ifndef GRAPHRUN_GRAPH_SUMMARY_H_
#define GRAPHRUN_GRAPH_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/text.h"

namespace graphrun::graph {

struct SummaryRow {
  std::string node;
  std::string op;
  std::string output;   // the output shapes, "N×10"
  int64_t params = 0;   // elements of the parameters this node is the first to read
  int64_t flops = 0;    // forward floating-point operations per sample
};

struct Summary {
  std::vector<SummaryRow> rows;
  int64_t total_params = 0;
  int64_t trainable_params = 0;
  int64_t total_flops = 0;
};

Summary Summarize(const Graph& graph);
// The table as text, totals last.
std::string FormatSummary(const Graph& graph, const Summary& summary);

}  // namespace graphrun::graph

#endif  // GRAPHRUN_GRAPH_SUMMARY_H_
