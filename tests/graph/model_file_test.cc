#include "graph/model_file.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace graphrun::graph {
namespace {

using ::testing::HasSubstr;

TEST(ModelFileTest, ParsesTheTinyModel) {
  absl::StatusOr<ModelFile> file = ParseModelText(testing::Join(testing::TinyModelLines()), "t.pbtxt");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->model.node_size(), 10);
  EXPECT_EQ(file->source.Line({{"node", 2}}), 10);
  EXPECT_EQ(file->source.Line({{"node", 1}, {"input", 1}}), 9);  // a list element: its node's line
  EXPECT_EQ(file->source.Line({{"node", 0}, {"attr", 0}}), 8);
  EXPECT_EQ(file->source.Line({{"loss", 0}}), 18);
  EXPECT_EQ(file->source.Where({{"param", 0}}), "t.pbtxt:3: ");
}

TEST(ModelFileTest, SyntaxErrorNamesFileLineAndColumn) {
  absl::StatusOr<ModelFile> file = ParseModelText("loss: \"x\"\nnode { name: \"a\" \n", "bad.pbtxt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(file.status().message(), HasSubstr("bad.pbtxt:3:"));
}

TEST(ModelFileTest, UnknownFieldNamesLine) {
  absl::StatusOr<ModelFile> file =
      ParseModelText("input { name: \"x\" }\nnode { name: \"a\" inptu: \"x\" }\n", "u.pbtxt");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("u.pbtxt:2:"));
  EXPECT_THAT(file.status().message(), HasSubstr("inptu"));
}

TEST(ModelFileTest, WrongValueTypeNamesLine) {
  absl::StatusOr<ModelFile> file = ParseModelText("\n\nparam { name: \"W\" shape: [\"a\"] }\n", "v.pbtxt");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("v.pbtxt:3:"));
}

TEST(ModelFileTest, MissingFileIsNotFound) {
  absl::StatusOr<ModelFile> file = LoadModelFile("/nonexistent/model.pbtxt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(file.status().message(), HasSubstr("/nonexistent/model.pbtxt"));
}

TEST(ModelFileTest, DirectoryIsAnError) {
  absl::StatusOr<ModelFile> file = LoadModelFile(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("is a directory"));
}

TEST(ModelFileTest, EveryModelFileLoadsAndInfersShapes) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(GRAPHRUN_SOURCE_DIR "/models")) {
    if (entry.path().extension() != ".pbtxt") continue;
    ++count;
    absl::StatusOr<ModelFile> file = LoadModelFile(entry.path().string());
    ASSERT_TRUE(file.ok()) << file.status();
    absl::StatusOr<Graph> graph = Graph::Build(*file);
    ASSERT_TRUE(graph.ok()) << entry.path() << ": " << graph.status();
    EXPECT_EQ(graph->value(graph->logits()).type.shape, Shape({kBatch, 10})) << entry.path();
  }
  EXPECT_GE(count, 9);
}

}  // namespace
}  // namespace graphrun::graph
