// The step conversion: each step's stored string is the state table's
// format, and a string this zeroshift does not know is refused.
#include "state/step.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace zs::state {
namespace {

TEST(StateStep, EveryStepRoundTripsThroughItsStoredString) {
  std::set<std::string_view> names;
  for (Step step : kAllSteps) {
    Result<Step> back = StepFromStored(StepName(step), "01_a");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, step) << StepName(step);
    names.insert(StepName(step));
  }
  EXPECT_EQ(names.size(), kAllSteps.size());  // no two steps share a string
}

TEST(StateStep, StoredStringsAreTheStateTablesFormat) {
  // What zeroshift.migrations.step holds today: changing one breaks the rows
  // an older zeroshift wrote.
  EXPECT_EQ(StepName(Step::kStarting), "starting");
  EXPECT_EQ(StepName(Step::kBackfilling), "backfilling");
  EXPECT_EQ(StepName(Step::kActive), "active");
  EXPECT_EQ(StepName(Step::kCompleting), "completing");
  EXPECT_EQ(StepName(Step::kRollingBack), "rolling_back");
  EXPECT_EQ(StepName(Step::kDone), "done");
}

TEST(StateStep, UnknownStoredStepIsRefusedNamingTheMigrationAndWhatToDo) {
  for (const char* stored : {"validating", "", "Active", "rolling back"}) {
    Result<Step> step = StepFromStored(stored, "07_add_email");
    ASSERT_FALSE(step.ok()) << stored;
    EXPECT_EQ(step.status().code(), Code::kInternal);
    const std::string& message = step.status().message();
    EXPECT_NE(message.find("migration \"07_add_email\""), std::string::npos) << message;
    EXPECT_NE(message.find("step \"" + std::string(stored) + "\""), std::string::npos) << message;
    EXPECT_NE(message.find("newer zeroshift"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace zs::state
