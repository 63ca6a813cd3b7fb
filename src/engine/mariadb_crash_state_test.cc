// The engine on MariaDB killed (SIGKILL) right after a step recorded its
// intent and before its first DDL statement ran: MariaDB's DDL commits by
// itself, so start, complete and rollback each record the step first, run
// DDL that is safe to repeat, then record it done. The fault suite
// (mariadb_engine_fault_test.cc) kills after each statement; this one covers
// the moment before the first: the first DDL is held back by a transaction
// that read the table (its metadata lock), the process is killed while that
// DDL waits, and its connections are ended as a dying client's are. Then
// `zeroshift status` must say which step was interrupted and what to run
// (its text asserted), and that command must finish the job.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

constexpr char kMariadbStartInterrupted[] =
    "start stopped part-way: `zeroshift rollback` undoes it";
constexpr char kMariadbCompleteInterrupted[] =
    "complete stopped part-way: re-run `zeroshift complete`";
constexpr char kMariadbRollbackInterrupted[] =
    "rollback stopped part-way: re-run `zeroshift rollback`";

// The client connections of this server not in `known`.
std::set<std::string> OtherConnections(MariadbSplit& split, const std::set<std::string>& known,
                                       const std::string& where = "TRUE") {
  std::set<std::string> out;
  for (const std::string& id : split.Query(
           "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon' AND USER <> "
           "'system user' AND " +
           where)) {
    if (known.count(id) == 0) out.insert(id);
  }
  return out;
}

// Runs `args` in the background while a transaction that read `users` holds
// its metadata lock, waits until the command's first DDL waits for that lock
// (its intent is recorded by then), kills the command with SIGKILL, ends its
// connections (KILL, as the server does when it notices a dead client) and
// releases the lock. Returns false when the command never reached a DDL.
bool KillAtFirstDdl(MariadbSplit& split, std::vector<std::string> args) {
  mysql::Connection holder = split.Connect();
  mysql::Connection admin = split.Connect();
  EXPECT_TRUE(holder.Run("BEGIN").ok());
  EXPECT_TRUE(holder.Run("SELECT id FROM users LIMIT 1").ok());
  // Whatever is connected now (the test's own, or an earlier test's) is not
  // the command's.
  std::set<std::string> before = OtherConnections(split, {});

  args.insert(args.begin(), {"--url", split.url()});
  args.push_back("--quiet");
  std::string out = split.WriteFile("killed.out", "");
  zs::testing::Spawned spawned = zs::testing::SpawnBinary(args, out, out + ".err");
  EXPECT_EQ(spawned.error, 0);
  int exited = 0;
  bool waiting = zs::testing::WaitUntil(
      [&] {
        if (waitpid(spawned.pid, &exited, WNOHANG) == spawned.pid) return true;
        return !OtherConnections(split, before, "STATE = 'Waiting for table metadata lock'")
                    .empty();
      },
      std::chrono::seconds(60));
  std::set<std::string> its = OtherConnections(split, before);
  if (!waiting || kill(spawned.pid, SIGKILL) != 0 || zs::testing::WaitExitCode(spawned.pid) != -1) {
    ADD_FAILURE() << "the command did not wait at a DDL statement (wait status " << exited
                  << "): " << zs::testing::ReadFile(out + ".err");
    return false;
  }
  // The waiting statement would run once the lock is free if its
  // connection lived on; a dead client's connection does not.
  for (const std::string& id : its) (void)admin.Run("KILL " + id);
  EXPECT_TRUE(zs::testing::WaitUntil(
      [&] {
        std::set<std::string> left = OtherConnections(split, before);
        return std::none_of(its.begin(), its.end(),
                            [&](const std::string& id) { return left.count(id) > 0; });
      },
      std::chrono::seconds(60)));
  EXPECT_TRUE(holder.Run("ROLLBACK").ok());
  return true;
}

// Status after the kill: the step interrupted, no runner, and `next`.
void ExpectStatusSays(MariadbSplit& split, const std::string& step, const std::string& next) {
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  ASSERT_TRUE(json["active"].is_object()) << status.out;
  EXPECT_EQ(json["active"]["name"], "02_split_name") << status.out;
  EXPECT_EQ(json["active"]["step"], step) << status.out;
  EXPECT_EQ(json["active"]["runner"]["alive"], false) << status.out;
  EXPECT_EQ(json["active"]["next"], next) << status.out;
}

void ExpectUntouched(MariadbSplit& split) {
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(split.Triggers().empty());
}

void ExpectExpanded(MariadbSplit& split) {
  // _zs_synced: the dual write's marker column.
  EXPECT_EQ(split.Columns(),
            (std::vector<std::string>{"id", "name", "first_name", "last_name", "_zs_synced"}));
  EXPECT_EQ(split.Triggers().size(), 2u);
  EXPECT_EQ(split.Query("SELECT COUNT(*) FROM users WHERE first_name IS NULL"),
            (std::vector<std::string>{"0"}));
}

void ExpectSplitDone(MariadbSplit& split) {
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name"}));
  EXPECT_TRUE(split.Triggers().empty());
  EXPECT_EQ(split.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY "
                        "id"),
            (std::vector<std::string>{"1:Ada|Lovelace", "2:Donald|Ervin", "3:Barbara|Liskov",
                                      "4:Edsger|Dijkstra"}));
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["active"].is_null()) << status.out;
}

void ExpectAsBefore(MariadbSplit& split) {
  ExpectUntouched(split);
  EXPECT_TRUE(split.VersionDatabases().empty());
  EXPECT_EQ(split.Query("SELECT CONCAT(id, ':', name) FROM users ORDER BY id"),
            (std::vector<std::string>{"1:Ada Lovelace", "2:Donald Ervin", "3:Barbara Liskov",
                                      "4:Edsger Dijkstra"}));
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["active"].is_null()) << status.out;
}

void Init(MariadbSplit& split) {
  ProcessRun init = split.Zeroshift({"init", "--no-baseline-version"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
}

void InitAndStart(MariadbSplit& split) {
  Init(split);
  ProcessRun start = split.Zeroshift({"start", split.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
}

TEST(MariadbCrashState, StartKilledAfterItsIntentFinishesWhenRunAgain) {
  MariadbSplit split;
  Init(split);
  ASSERT_TRUE(KillAtFirstDdl(split, {"start", split.file()}));
  ExpectUntouched(split);
  ExpectStatusSays(split, "starting", kMariadbStartInterrupted);
  ProcessRun again = split.Zeroshift({"start", split.file()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ExpectExpanded(split);
  ProcessRun complete = split.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  ExpectSplitDone(split);
}

TEST(MariadbCrashState, StartKilledAfterItsIntentIsUndoneByRollback) {
  MariadbSplit split;
  Init(split);
  ASSERT_TRUE(KillAtFirstDdl(split, {"start", split.file()}));
  ExpectStatusSays(split, "starting", kMariadbStartInterrupted);
  ProcessRun rollback = split.Zeroshift({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  ExpectAsBefore(split);
}

TEST(MariadbCrashState, CompleteKilledAfterItsIntentFinishesWhenRunAgain) {
  MariadbSplit split;
  InitAndStart(split);
  ASSERT_TRUE(KillAtFirstDdl(split, {"complete"}));
  ExpectExpanded(split);
  ExpectStatusSays(split, "completing", kMariadbCompleteInterrupted);
  ProcessRun again = split.Zeroshift({"complete"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ExpectSplitDone(split);
}

TEST(MariadbCrashState, RollbackKilledAfterItsIntentFinishesWhenRunAgain) {
  MariadbSplit split;
  InitAndStart(split);
  ASSERT_TRUE(KillAtFirstDdl(split, {"rollback"}));
  ExpectExpanded(split);
  ExpectStatusSays(split, "rolling_back", kMariadbRollbackInterrupted);
  ProcessRun again = split.Zeroshift({"rollback"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ExpectAsBefore(split);
}

// A start killed after its intent, then the rollback that undoes it killed
// after its own: the second rollback still finishes.
TEST(MariadbCrashState, RollbackOfAnInterruptedStartKilledAfterItsIntentFinishesWhenRunAgain) {
  MariadbSplit split;
  Init(split);
  ASSERT_TRUE(KillAtFirstDdl(split, {"start", split.file()}));
  ASSERT_TRUE(KillAtFirstDdl(split, {"rollback"}));
  ExpectStatusSays(split, "rolling_back", kMariadbRollbackInterrupted);
  ProcessRun again = split.Zeroshift({"rollback"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ExpectAsBefore(split);
}

}  // namespace
}  // namespace zs::engine
