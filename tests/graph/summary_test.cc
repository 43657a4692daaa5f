#include "graph/summary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace graphrun::graph {
namespace {

TEST(SummaryTest, Arch5HasTheStudysParameterCount) {
  absl::StatusOr<ModelFile> file = LoadModelFile(GRAPHRUN_SOURCE_DIR "/models/arch5.pbtxt");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<Graph> g = Graph::Build(*file);
  ASSERT_TRUE(g.ok()) << g.status();
  Summary s = Summarize(*g);
  // filters 40·48 + bias 40, W1 2560·300 + 300, W2 300·10 + 10.
  EXPECT_EQ(s.total_params, 773270);
  // Forward FLOPs per image: the three products dominate.
  int64_t matmul_flops = 0;
  for (const SummaryRow& r : s.rows) {
    if (r.op == "matmul") matmul_flops += r.flops;
  }
  EXPECT_EQ(matmul_flops, 2 * (64 * 48 * 40 + 2560 * 300 + 300 * 10));
  const std::string text = FormatSummary(*g, s);
  EXPECT_THAT(text, ::testing::HasSubstr("773,270"));
  EXPECT_THAT(text, ::testing::HasSubstr("N×64×48"));
}

TEST(SummaryTest, Thousands) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(1000), "1,000");
  EXPECT_EQ(WithThousands(-1234567), "-1,234,567");
}

}  // namespace
}  // namespace graphrun::graph
