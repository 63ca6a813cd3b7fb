// Failover with no acknowledged write lost (issue 14, part 2): the real binary
// against a primary with a streaming standby, started by the test.
//
// 1. Synchronous replication, the primary crashes while a backfill runs (a
//    batch in flight behind a row lock) with clients writing through both
//    versions: pointed at the promoted standby, `status` shows the backfill as
//    replicated, `backfill` resumes from that cursor, `verify` passes, and
//    `complete` (or, in the second run, `rollback`, back to the catalog before
//    start) finishes; every acknowledged write is there in each shape, the
//    write in flight failed with a connection error and left nothing.
// 2. A switchover between start and complete (no backfill running): the
//    primary stops cleanly once the standby caught up, the standby is
//    promoted, and complete or rollback runs there.
// Both are event-ordered: every wait polls the servers' own state.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/failover_test_util.h"
#include "testing/catalog_dump.h"

namespace zs::engine::failover {
namespace {

using zs::testing::CatalogDump;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::WaitUntil;

enum class Ending { kComplete, kRollback };

std::string EndingName(Ending ending) {
  return ending == Ending::kComplete ? "complete" : "rollback";
}

void PrintTo(Ending ending, std::ostream* out) { *out << EndingName(ending); }

constexpr auto kWait = std::chrono::seconds(60);  // turns a hang into a failure only

// users 1..3000 and zeroshift's state, on the primary; the catalog then.
std::string SetUpUsers(const ClusterPair& pair) {
  pg::Connection conn = Open(pair.primary_url);
  MustRun(conn, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(conn, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) AS i",
                            kRows));
  ProcessRun init = Zeroshift(pair.primary_url, {"init"});
  EXPECT_EQ(init.exit_code, 0) << init.err;
  return CatalogDump(conn);
}

// The rows that were there before start, in the final shape after complete.
void ExpectSeedRowsComplete(const std::string& url) {
  EXPECT_EQ(Value(url, fmt::format("SELECT count(*) FILTER (WHERE first_name = 'First' || id AND "
                                   "last_name = 'Last' || id) FROM public.users WHERE id <= {}",
                                   kRows)),
            std::to_string(kRows));
}

// Finishes the migration on the promoted server the way `ending` says and
// checks what it leaves.
void FinishOnNewPrimary(const std::string& url, Ending ending, const std::vector<Write>& acked,
                        const std::string& before_start) {
  ProcessRun finish = Zeroshift(url, {EndingName(ending)});
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_TRUE(StatusJson(url)["active"].is_null());
  if (ending == Ending::kComplete) {
    ExpectWritesPresent(url, acked, Shapes::kNewOnly);
    ExpectSeedRowsComplete(url);
  } else {
    ExpectWritesPresent(url, acked, Shapes::kOldOnly);
    pg::Connection conn = Open(url);
    EXPECT_EQ(CatalogDump(conn), before_start);
  }
}

class FailoverSyncTest : public ::testing::TestWithParam<Ending> {};

TEST_P(FailoverSyncTest, PrimaryCrashesWhileBackfillRuns) {
  ClusterPair pair = StartPair(/*synchronous=*/true);
  std::string before_start = SetUpUsers(pair);
  MigrationFile file;

  // start's DDL done, its backfill not begun; row 1001 then locked: the
  // backfill commits the batches of rows 1..1000, then its 11th batch waits,
  // in flight, until the primary dies.
  CrashStartIntoBackfill(pair.primary_url, file);
  if (HasFatalFailure()) return;
  constexpr int kLockedId = 1001;
  pg::Connection blocker = Open(pair.primary_url);
  MustRun(blocker, fmt::format("BEGIN; SELECT 1 FROM users WHERE id = {} FOR UPDATE", kLockedId));
  std::filesystem::path err_file =
      std::filesystem::temp_directory_path() /
      fmt::format("zs_failover_backfill_{}.err", static_cast<long>(getpid()));
  zs::testing::Spawned runner =
      zs::testing::SpawnBinary(BackfillArgs(pair.primary_url), "/dev/null", err_file.string());
  ASSERT_EQ(runner.error, 0);
  // Synchronous: what the standby shows has committed on both.
  ASSERT_TRUE(WaitUntil([&] { return CursorRows(pair.standby_url) >= kLockedId - 1; }, kWait));

  // Clients of both versions write until the primary dies.
  Writer old_writer(pair.primary_url, Version::kOld, 1);
  Writer new_writer(pair.primary_url, Version::kNew, 2);
  old_writer.Begin();
  new_writer.Begin();
  ASSERT_TRUE(
      WaitUntil([&] { return old_writer.acked() >= 10 && new_writer.acked() >= 10; }, kWait))
      << old_writer.error() << " / " << new_writer.error();

  // A write in flight: an old-version UPDATE waiting behind the same row lock.
  zs::Status in_flight;
  std::thread in_flight_thread([&] {
    Result<pg::Connection> conn = pg::Connection::Open(pair.primary_url);
    in_flight =
        conn.ok()
            ? conn->Run(fmt::format("UPDATE users SET name = 'In Flight' WHERE id = {}", kLockedId))
            : conn.status();
  });
  bool waiting = WaitUntil(
      [&] {
        return Value(pair.primary_url,
                     "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                     "query LIKE 'UPDATE users SET name = ''In Flight''%'") == "1";
      },
      kWait);
  if (!waiting) {  // let the thread go before failing
    MustRun(blocker, "ROLLBACK");
    in_flight_thread.join();
    FAIL() << "the in-flight UPDATE never waited for the row lock";
  }
  EXPECT_EQ(CursorRows(pair.primary_url), kLockedId - 1) << "the backfill passed the locked row";

  // The failover: the primary dies, the synchronous standby is promoted.
  ASSERT_TRUE(pair.primary->Stop(StopMode::kCrash).ok());
  in_flight_thread.join();
  old_writer.Stop();
  new_writer.Stop();
  EXPECT_TRUE(IsConnectionError(in_flight)) << in_flight.ToString();
  EXPECT_FALSE(old_writer.error().empty());
  EXPECT_FALSE(new_writer.error().empty());
  int runner_exit = zs::testing::WaitExitCode(runner.pid);
  EXPECT_EQ(runner_exit, 1) << "the backfill should fail with an error, not crash or succeed: "
                            << zs::testing::ReadFile(err_file);
  std::filesystem::remove(err_file);
  // Still a standby: refused, naming it and saying what to do, nothing run.
  ProcessRun too_early = Zeroshift(pair.standby_url, {"backfill"});
  EXPECT_EQ(too_early.exit_code, 1);
  EXPECT_NE(too_early.err.find(fmt::format("127.0.0.1:{} (database \"app\") is a standby in "
                                           "recovery",
                                           pair.standby->port())),
            std::string::npos)
      << too_early.err;
  EXPECT_NE(too_early.err.find("promoted standby"), std::string::npos) << too_early.err;
  ASSERT_TRUE(pair.standby->Promote().ok());
  const std::string& url = pair.standby_url;

  // status explains what it finds: the migration, its backfill as replicated.
  nlohmann::json status = StatusJson(url);
  ASSERT_TRUE(status["active"].is_object()) << status.dump();
  EXPECT_EQ(status["active"]["step"], "backfilling") << status.dump();
  EXPECT_EQ(status["active"]["backfill"][0]["rows_done"], kLockedId - 1) << status.dump();
  EXPECT_EQ(status["active"]["backfill"][0]["state"], "interrupted") << status.dump();
  EXPECT_NE(status["active"]["next"].get<std::string>().find("zeroshift backfill"),
            std::string::npos)
      << status.dump();

  // Every acknowledged write survived, in both shapes; the one in flight did not land.
  std::vector<Write> acked = old_writer.Acked();
  for (const Write& w : new_writer.Acked()) acked.push_back(w);
  ExpectWritesPresent(url, acked, Shapes::kBoth);
  EXPECT_EQ(Value(url, fmt::format("SELECT name FROM public.users WHERE id = {}", kLockedId)),
            fmt::format("First{0} Last{0}", kLockedId));

  // The backfill resumes from the replicated cursor and finishes; every row is right.
  ProcessRun backfill = Zeroshift(url, {"backfill", "--quiet"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
  ProcessRun verify = Zeroshift(url, {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(StatusJson(url)["active"]["step"], "active");
  FinishOnNewPrimary(url, GetParam(), acked, before_start);
}

// A switchover between start and complete: no backfill runs; the standby is
// asynchronous, and the primary stops cleanly only after the standby replayed
// everything (pg_ctl stop -m fast also sends the rest of its WAL first).
TEST_P(FailoverSyncTest, SwitchoverBetweenStartAndComplete) {
  ClusterPair pair = StartPair(/*synchronous=*/false);
  std::string before_start = SetUpUsers(pair);
  MigrationFile file;
  ProcessRun start = Zeroshift(pair.primary_url, StartArgs(file));
  ASSERT_EQ(start.exit_code, 0) << start.err;

  Writer old_writer(pair.primary_url, Version::kOld, 1);
  Writer new_writer(pair.primary_url, Version::kNew, 2);
  old_writer.Begin();
  new_writer.Begin();
  ASSERT_TRUE(
      WaitUntil([&] { return old_writer.acked() >= 10 && new_writer.acked() >= 10; }, kWait))
      << old_writer.error() << " / " << new_writer.error();
  old_writer.Stop();
  new_writer.Stop();
  ASSERT_TRUE(pair.standby->WaitForReplay(*pair.primary).ok());
  ASSERT_TRUE(pair.primary->Stop(StopMode::kClean).ok());
  ASSERT_TRUE(pair.standby->Promote().ok());
  const std::string& url = pair.standby_url;

  nlohmann::json status = StatusJson(url);
  ASSERT_TRUE(status["active"].is_object()) << status.dump();
  EXPECT_EQ(status["active"]["step"], "active") << status.dump();
  EXPECT_EQ(status["active"]["backfill"][0]["state"], "finished") << status.dump();
  EXPECT_EQ(status["active"]["next"].get<std::string>().find("disagree"), std::string::npos)
      << status.dump();
  std::vector<Write> acked = old_writer.Acked();
  for (const Write& w : new_writer.Acked()) acked.push_back(w);
  ExpectWritesPresent(url, acked, Shapes::kBoth);
  ProcessRun verify = Zeroshift(url, {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  FinishOnNewPrimary(url, GetParam(), acked, before_start);
}

INSTANTIATE_TEST_SUITE_P(Failover, FailoverSyncTest,
                         ::testing::Values(Ending::kComplete, Ending::kRollback),
                         [](const ::testing::TestParamInfo<Ending>& info) {
                           return EndingName(info.param);
                         });

}  // namespace
}  // namespace zs::engine::failover
