// The fleet journal: survives a reopen, refuses another migration's file and a
// second runner, and the parallel loop stops taking new work on a failure.
#include "fleet/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "fleet/runner.h"

namespace zs::fleet {
namespace {

namespace fs = std::filesystem;

class FleetJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / fmt::format("zs_fleet_journal_{}_{}", getpid(), counter++);
    fs::create_directories(dir_);
    path_ = (dir_ / "j.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
};

TEST_F(FleetJournal, KeepsEachTargetsStateAcrossAReopen) {
  {
    auto journal = Journal::Open(path_, "m1", {"a", "b"});
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE((*journal)
                    ->Update("a",
                             [](JournalEntry& e) {
                               e.state = JournalState::kStarted;
                               e.canary = true;
                               e.started_by_fleet = true;
                             })
                    .ok());
    ASSERT_TRUE((*journal)->Set("b", JournalState::kFailed, "boom").ok());
    EXPECT_FALSE((*journal)->Set("zz", JournalState::kFailed).ok());  // not a target
  }
  // A target added to the fleet since is pending; the others keep their state.
  auto journal = Journal::Open(path_, "m1", {"a", "b", "c"});
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  JournalEntry a = (*journal)->Entry("a");
  EXPECT_EQ(a.state, JournalState::kStarted);
  EXPECT_TRUE(a.canary);
  EXPECT_TRUE(a.started_by_fleet);
  EXPECT_FALSE(a.updated_at.empty());
  EXPECT_EQ((*journal)->Entry("b").state, JournalState::kFailed);
  EXPECT_EQ((*journal)->Entry("b").error, "boom");
  EXPECT_EQ((*journal)->Entry("c").state, JournalState::kPending);
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));  // renamed over, not left beside

  auto read = ReadJournal(path_, "m1");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->size(), 3u);
  auto absent = ReadJournal((dir_ / "none.json").string(), "m1");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_F(FleetJournal, RefusesASecondRunnerWhileTheFirstHoldsIt) {
  auto first = Journal::Open(path_, "m1", {"a"});
  ASSERT_TRUE(first.ok());
  auto second = Journal::Open(path_, "m1", {"a"});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_NE(second.status().message().find("another fleet runner"), std::string::npos);
  first->reset();  // the lock goes with it (and with a killed process)
  EXPECT_TRUE(Journal::Open(path_, "m1", {"a"}).ok());
}

TEST_F(FleetJournal, RefusesAnotherMigrationsJournalAndAnEditedOne) {
  ASSERT_TRUE(Journal::Open(path_, "m1", {"a"}).ok());
  auto other = Journal::Open(path_, "m2", {"a"});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("\"m1\"'s, not \"m2\"'s"), std::string::npos);
  std::ofstream(path_) << "{ half";
  auto broken = ReadJournal(path_, "m1");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("is not valid"), std::string::npos);
}

TEST_F(FleetJournal, DefaultPathIsBesideTheTargetsFile) {
  EXPECT_EQ(Journal::DefaultPath("/etc/fleet/shards.txt", "01_add x"),
            "/etc/fleet/shards.txt.01_add_x.fleet-journal.json");
}

TEST(FleetParallel, TakesNoNewWorkAfterAFailure) {
  std::atomic<int> ran{0};
  ForEachParallel(
      10, 1,
      [&](size_t i) {
        ++ran;
        return i != 2;  // the third fails
      },
      [] { return false; });
  EXPECT_EQ(ran, 3);

  std::atomic<int> all{0};
  ForEachParallel(
      10, 3, [&](size_t) { return ++all > 0; }, [] { return false; });
  EXPECT_EQ(all, 10);

  std::atomic<int> none{0};
  ForEachParallel(
      10, 3, [&](size_t) { return ++none > 0; }, [] { return true; });
  EXPECT_EQ(none, 0);
}

}  // namespace
}  // namespace zs::fleet
