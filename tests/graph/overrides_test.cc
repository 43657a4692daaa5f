#include "graph/overrides.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace graphrun::graph {
namespace {

using ::testing::HasSubstr;

TEST(OverridesTest, SetsNestedScalarsEnumsAndLists) {
  proto::Training t;
  ASSERT_TRUE(ApplyOverride("schedule.cycles=1", &t).ok());
  ASSERT_TRUE(ApplyOverride("schedule.eta_max=0.05", &t).ok());
  ASSERT_TRUE(ApplyOverride("schedule.kind=constant", &t).ok());
  ASSERT_TRUE(ApplyOverride("l2.params=W1,W2", &t).ok());
  ASSERT_TRUE(ApplyOverride("seed=7", &t).ok());
  EXPECT_EQ(t.schedule().cycles(), 1);
  EXPECT_DOUBLE_EQ(t.schedule().eta_max(), 0.05);
  EXPECT_EQ(t.schedule().kind(), proto::Schedule::CONSTANT);
  EXPECT_THAT(t.l2().params(), ::testing::ElementsAre("W1", "W2"));
  EXPECT_EQ(t.seed(), 7u);
}

TEST(OverridesTest, UnknownPathSuggests) {
  proto::Training t;
  absl::Status s = ApplyOverride("schedule.cycels=1", &t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("training.schedule has no field 'cycels'; did you mean 'cycles'?"));
}

TEST(OverridesTest, BadValuesAndForms) {
  proto::Training t;
  EXPECT_THAT(ApplyOverride("schedule.cycles=three", &t).message(),
              HasSubstr("'three' is not a 32-bit integer"));
  EXPECT_THAT(ApplyOverride("schedule", &t).message(), HasSubstr("expected FIELD=VALUE"));
  EXPECT_THAT(ApplyOverride("schedule=1", &t).message(), HasSubstr("is a message"));
  EXPECT_THAT(ApplyOverride("seed.x=1", &t).message(), HasSubstr("training.seed has no fields"));
  EXPECT_THAT(ApplyOverride("precision=fp64", &t).message(), HasSubstr("is not a value"));
}

}  // namespace
}  // namespace graphrun::graph
