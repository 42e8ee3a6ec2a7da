// Per-image time budget (issue 12 item 3): the thread-local deadline the batch opens around each
// image and the pipeline checks between stages.
#include "core/base/deadline.h"

#include <thread>

#include <gtest/gtest.h>

namespace skintrack {
namespace {

void SpendAtLeast(std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); }

TEST(Deadline, NoBudgetAlwaysPasses) {
  EXPECT_TRUE(CheckDeadline("anything").ok());
  const ScopedDeadline none(0, "a.jpg");
  SpendAtLeast(std::chrono::milliseconds(2));
  EXPECT_TRUE(CheckDeadline("decoding").ok());
}

TEST(Deadline, SpentBudgetIsAnAnalysisErrorNamingImageStageAndBudget) {
  const ScopedDeadline budget(0.001, "S01/fu_7w.jpg");
  SpendAtLeast(std::chrono::milliseconds(5));
  const Status late = CheckDeadline("pores");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kAnalysisFailed);
  EXPECT_EQ(late.error().message,
            "S01/fu_7w.jpg: timed out after pores: the time budget of 0.001 s per image is spent "
            "(batch --image-timeout; 0 = no limit)");
}

TEST(Deadline, GenerousBudgetPassesAndEndsWithItsScope) {
  {
    const ScopedDeadline budget(3600, "a.jpg");
    EXPECT_TRUE(CheckDeadline("decoding").ok());
    {
      const ScopedDeadline inner(0.001, "b.jpg");
      SpendAtLeast(std::chrono::milliseconds(5));
      EXPECT_FALSE(CheckDeadline("inner").ok());
      const ScopedDeadline unlimited(0, "c.jpg");  // no budget: the enclosing one still applies
      EXPECT_FALSE(CheckDeadline("inner again").ok());
    }
    EXPECT_TRUE(CheckDeadline("after the inner scope").ok());
  }
  EXPECT_TRUE(CheckDeadline("after every scope").ok());
}

TEST(Deadline, EachThreadHasItsOwn) {
  const ScopedDeadline budget(0.001, "main.jpg");
  SpendAtLeast(std::chrono::milliseconds(5));
  bool other_ok = false;
  std::thread other([&] { other_ok = CheckDeadline("other thread").ok(); });
  other.join();
  EXPECT_TRUE(other_ok);
  EXPECT_FALSE(CheckDeadline("this thread").ok());
}

TEST(StageTimes, EachCheckEndsAStageTimedFromThePreviousOne) {
  EXPECT_TRUE(CheckDeadline("before any recorder").ok());
  const ScopedStageTimes times;
  SpendAtLeast(std::chrono::milliseconds(20));
  EXPECT_TRUE(CheckDeadline("slow").ok());
  EXPECT_TRUE(CheckDeadline("fast").ok());
  {
    const ScopedStageTimes inner;
    EXPECT_TRUE(CheckDeadline("inner").ok());
    ASSERT_EQ(inner.stages().size(), 1u);
    EXPECT_EQ(inner.stages()[0].first, "inner");
  }
  std::thread other([] { EXPECT_TRUE(CheckDeadline("other thread").ok()); });
  other.join();
  ASSERT_EQ(times.stages().size(), 2u);
  EXPECT_EQ(times.stages()[0].first, "slow");
  EXPECT_GE(times.stages()[0].second, 0.019);
  EXPECT_EQ(times.stages()[1].first, "fast");
  EXPECT_GE(times.stages()[1].second, 0.0);
}

}  // namespace
}  // namespace skintrack
