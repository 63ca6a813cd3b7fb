#include "cli/suggest.h"

#include <gtest/gtest.h>

namespace zs::cli {
namespace {

const std::vector<std::string> kCommands = {"init",     "plan",   "start",    "status", "complete",
                                            "rollback", "latest", "validate", "verify"};

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(EditDistance("status", "status"), 0u);
  EXPECT_EQ(EditDistance("statu", "status"), 1u);
  EXPECT_EQ(EditDistance("stauts", "status"), 1u);  // a swap
  EXPECT_EQ(EditDistance("ab", "ba"), 1u);
  EXPECT_EQ(EditDistance("", "init"), 4u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(ClosestNameTest, SuggestsTheNearestCommand) {
  EXPECT_EQ(ClosestName("statu", kCommands), "status");
  EXPECT_EQ(ClosestName("rolback", kCommands), "rollback");
  EXPECT_EQ(ClosestName("valiate", kCommands), "validate");
  EXPECT_EQ(ClosestName("stauts", kCommands), "status");
  EXPECT_EQ(ClosestName("comp", kCommands), "complete");  // a unique prefix
}

TEST(ClosestNameTest, StaysQuietWhenNothingIsClose) {
  EXPECT_EQ(ClosestName("deploy", kCommands), std::nullopt);
  EXPECT_EQ(ClosestName("x", kCommands), std::nullopt);
  EXPECT_EQ(ClosestName("v", kCommands), std::nullopt);  // two prefixes: ambiguous
}

}  // namespace
}  // namespace zs::cli
