#include "tests/fuzz/fuzz_util.h"

#include <cstdio>
#include <cstdlib>

#include "graph/model_file.h"
#include "tests/test_util.h"

namespace graphrun::fuzz {

void Require(bool condition, const std::string& what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

void RequireNamesFile(const absl::Status& status, const std::string& file) {
  Require(!status.ok(), "an error was expected");
  const std::string message(status.message());
  Require(message.compare(0, file.size() + 1, file + ":") == 0,
          "the message does not start with the file name: " + message);
}

const graph::Graph& TinyGraph() {
  static const graph::Graph* graph = [] {
    absl::StatusOr<graph::ModelFile> file =
        graph::ParseModelText(testing::Join(testing::TinyModelLines()), "tiny.pbtxt");
    Require(file.ok(), "the tiny model does not parse");
    absl::StatusOr<graph::Graph> g = graph::Graph::Build(*file);
    Require(g.ok(), "the tiny model does not build");
    return new graph::Graph(*std::move(g));
  }();
  return *graph;
}

}  // namespace graphrun::fuzz
