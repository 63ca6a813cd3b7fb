// The engine on MariaDB killed (SIGKILL, engine/fault_injection.h's crash
// points) right after every step it records, in start, complete and rollback:
// MariaDB's DDL commits by itself, so each step records its intent, runs DDL
// that is safe to repeat, then records that it is done. After each kill,
// `zeroshift status` must say where the migration stands and what to run,
// and that command (a re-run, or rollback) must finish it with the table
// right.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// Past the last step the command runs to its end; a guard against a loop
// that never gets there.
constexpr int kMariadbMaxSteps = 40;

// Whatever the kill left, status explains it: the active migration, its
// step, and a next step naming a command. (Whether the killed runner still
// shows as alive depends on when the server notices its connection gone.)
void ExpectStatusExplains(MariadbSplit& split, const std::string& fault) {
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << fault << ": " << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  ASSERT_TRUE(json["active"].is_object()) << fault << ": " << status.out;
  EXPECT_EQ(json["active"]["name"], "02_split_name") << fault;
  EXPECT_NE(json["active"]["next"].get<std::string>().find("zeroshift "), std::string::npos)
      << fault << ": " << status.out;
}

void ExpectSplitDone(MariadbSplit& split, const std::string& fault) {
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name"})) << fault;
  EXPECT_TRUE(split.Triggers().empty()) << fault;
  EXPECT_EQ(split.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY "
                        "id"),
            (std::vector<std::string>{"1:Ada|Lovelace", "2:Donald|Ervin", "3:Barbara|Liskov",
                                      "4:Edsger|Dijkstra"}))
      << fault;
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{split.version()})) << fault;
}

// Kills `command` (run by `args`) after its k-th step for k = 1, 2, ...
// until it finishes unkilled; after each kill, status must explain the state
// and `recover` must bring the database to its end state. Returns how many
// kills there were.
int KillAfterEveryStep(const std::string& command, const std::function<void(MariadbSplit&)>& before,
                       const std::function<std::vector<std::string>(MariadbSplit&)>& args,
                       const std::function<void(MariadbSplit&, const std::string&)>& recover) {
  for (int k = 1; k <= kMariadbMaxSteps; ++k) {
    MariadbSplit split;
    before(split);
    std::string fault = command + ":" + std::to_string(k);
    ProcessRun run = split.Zeroshift(args(split), fault);
    if (run.exit_code == 0) return k - 1;
    EXPECT_EQ(run.exit_code, -1) << fault << ": " << run.err;  // killed, not failed
    if (run.exit_code != -1) return k;
    ExpectStatusExplains(split, fault);
    recover(split, fault);
  }
  ADD_FAILURE() << command << " was still being killed after " << kMariadbMaxSteps << " steps";
  return kMariadbMaxSteps;
}

// Without a baseline version: "as before" is the database with no version.
void InitOnly(MariadbSplit& split) {
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
}

void InitAndStart(MariadbSplit& split) {
  InitOnly(split);
  ProcessRun start = split.Zeroshift({"start", split.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
}

std::vector<std::string> StartArgs(MariadbSplit& split) { return {"start", split.file()}; }

void ExpectAsBefore(MariadbSplit& split, const std::string& fault) {
  // A fresh fixture is the state before start.
  MariadbSplit fresh;
  EXPECT_EQ(split.ShowCreateTable(), fresh.ShowCreateTable()) << fault;
  EXPECT_TRUE(split.Triggers().empty()) << fault;
  EXPECT_TRUE(split.VersionDatabases().empty()) << fault;
  EXPECT_EQ(split.Query("SELECT CONCAT(id, ':', name) FROM users ORDER BY id"),
            fresh.Query("SELECT CONCAT(id, ':', name) FROM users ORDER BY id"))
      << fault;
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << fault << ": " << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["active"].is_null()) << fault << status.out;
}

TEST(MariadbEngineFault, StartKilledAfterEveryStepFinishesWhenRunAgain) {
  int kills = KillAfterEveryStep(
      "start", InitOnly, StartArgs, [](MariadbSplit& split, const std::string& fault) {
        ProcessRun again = split.Zeroshift({"start", split.file()});
        ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
        ProcessRun complete = split.Zeroshift({"complete"});
        ASSERT_EQ(complete.exit_code, 0) << fault << ": " << complete.err;
        ExpectSplitDone(split, fault);
      });
  // Two columns, two triggers and their marker, the version's database,
  // view and grants, one backfill batch at least.
  EXPECT_GE(kills, 8);
}

TEST(MariadbEngineFault, StartKilledAfterEveryStepIsUndoneByRollback) {
  int kills = KillAfterEveryStep(
      "start", InitOnly, StartArgs, [](MariadbSplit& split, const std::string& fault) {
        ProcessRun rollback = split.Zeroshift({"rollback"});
        ASSERT_EQ(rollback.exit_code, 0) << fault << ": " << rollback.err;
        ExpectAsBefore(split, fault);
      });
  EXPECT_GE(kills, 8);
}

TEST(MariadbEngineFault, CompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  int kills = KillAfterEveryStep(
      "complete", InitAndStart, [](MariadbSplit&) { return std::vector<std::string>{"complete"}; },
      [](MariadbSplit& split, const std::string& fault) {
        ProcessRun again = split.Zeroshift({"complete"});
        ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
        ExpectSplitDone(split, fault);
      });
  EXPECT_GE(kills, 2);  // the triggers and old column under one lock, then the rest
}

TEST(MariadbEngineFault, RollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  int kills = KillAfterEveryStep(
      "rollback", InitAndStart, [](MariadbSplit&) { return std::vector<std::string>{"rollback"}; },
      [](MariadbSplit& split, const std::string& fault) {
        ProcessRun again = split.Zeroshift({"rollback"});
        ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
        ExpectAsBefore(split, fault);
      });
  EXPECT_GE(kills, 2);
}

}  // namespace
}  // namespace zs::engine
