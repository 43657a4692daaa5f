#include "runtime/schedule.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace graphrun::runtime {
namespace {

proto::Training Triangular(int64_t n_s, int cycles, int growth) {
  proto::Training t;
  t.mutable_schedule()->set_n_s(n_s);
  t.mutable_schedule()->set_cycles(cycles);
  t.mutable_schedule()->set_growth(growth);
  return t;
}

TEST(ScheduleTest, FixedCyclesAtKnownSteps) {
  Schedule s(Triangular(800, 3, 1));
  EXPECT_EQ(s.total_steps(), 4800);
  EXPECT_DOUBLE_EQ(s.Rate(0), 1e-5);
  EXPECT_DOUBLE_EQ(s.Rate(800), 0.1);
  EXPECT_DOUBLE_EQ(s.Rate(400), 1e-5 + 0.5 * (0.1 - 1e-5));
  EXPECT_DOUBLE_EQ(s.Rate(1200), 1e-5 + 0.5 * (0.1 - 1e-5));
  EXPECT_DOUBLE_EQ(s.Rate(1600), 1e-5);  // the second cycle starts at eta_min
  EXPECT_DOUBLE_EQ(s.Rate(2400), 0.1);
  EXPECT_EQ(s.Cycle(1599), 0);
  EXPECT_EQ(s.Cycle(1600), 1);
  EXPECT_THAT(s.log_points(), ::testing::ElementsAre(400, 800, 1200, 1600, 2000, 2400, 2800, 3200,
                                                     3600, 4000, 4400, 4800));
}

TEST(ScheduleTest, DoublingCycles) {
  // arch5: n_s 800, 1600, 3200, 6400 -> 24 000 updates.
  Schedule s(Triangular(800, 4, 2));
  EXPECT_EQ(s.total_steps(), 24000);
  EXPECT_DOUBLE_EQ(s.Rate(1600), 1e-5);           // cycle 1 starts
  EXPECT_DOUBLE_EQ(s.Rate(1600 + 1600), 0.1);     // its peak after n_s = 1600
  EXPECT_DOUBLE_EQ(s.Rate(4800), 1e-5);           // cycle 2 starts
  EXPECT_DOUBLE_EQ(s.Rate(4800 + 3200), 0.1);
  EXPECT_DOUBLE_EQ(s.Rate(11200 + 6400), 0.1);    // cycle 3's peak
  EXPECT_DOUBLE_EQ(s.Rate(11200 + 9600), 1e-5 + 0.5 * (0.1 - 1e-5));
  EXPECT_EQ(s.Cycle(23999), 3);
  // Logged every n_s/2 of the current cycle: 400, 800, 1600, 3200 apart.
  const auto& p = s.log_points();
  EXPECT_EQ(p.front(), 400);
  EXPECT_TRUE(s.IsLogPoint(1600 + 800));
  EXPECT_TRUE(s.IsLogPoint(4800 + 1600));
  EXPECT_TRUE(s.IsLogPoint(11200 + 3200));
  EXPECT_FALSE(s.IsLogPoint(11200 + 1600));
  EXPECT_EQ(p.back(), 24000);
  EXPECT_EQ(p.size(), 16u);
}

TEST(ScheduleTest, ConstantAndExplicitLogInterval) {
  proto::Training t;
  t.mutable_schedule()->set_kind(proto::Schedule::CONSTANT);
  t.mutable_schedule()->set_rate(0.01);
  t.mutable_schedule()->set_steps(95);
  t.set_log_every(30);
  Schedule s(t);
  EXPECT_EQ(s.total_steps(), 95);
  EXPECT_DOUBLE_EQ(s.Rate(50), 0.01);
  EXPECT_THAT(s.log_points(), ::testing::ElementsAre(30, 60, 90, 95));
}

}  // namespace
}  // namespace graphrun::runtime
