// The workload against a real PostgreSQL: the mix and the log, the shift to a
// version schema, timeouts while a lock is held, and clients that survive
// having their connections terminated.
#include "lab/workload.h"
#include "testing/test_support.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine/engine.h"
#include "lab/users_table.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"

namespace zs::lab {
namespace {

using zs::testing::Open;

using std::chrono::milliseconds;

std::string LoadedDatabase(long long rows) {
  std::string url = testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  Status loaded = LoadUsers(conn, rows);
  EXPECT_TRUE(loaded.ok()) << loaded.ToString();
  return url;
}

void Sleep(int ms) { std::this_thread::sleep_for(milliseconds(ms)); }

long long CountKind(const std::vector<RequestRecord>& records, RequestKind kind) {
  return std::count_if(records.begin(), records.end(),
                       [kind](const RequestRecord& r) { return r.kind == kind; });
}

bool AnyLogContains(const Workload& workload, const std::string& needle) {
  for (const auto& line : workload.RecentLog(1000)) {
    if (line.text.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(LabWorkload, RunsTheMixAtTheRateAndLogsEachRequest) {
  std::string url = LoadedDatabase(1000);
  Workload workload({.conninfo = url, .clients = 3, .rate = 300, .id_range = 1000});
  workload.Start();
  Sleep(1500);
  workload.Stop();
  std::vector<RequestRecord> records = workload.Records();
  // 300/s for 1.5 s; the pacing never bursts, so never more than that.
  EXPECT_GT(records.size(), 300u);
  EXPECT_LE(records.size(), 460u);
  for (const auto& r : records) EXPECT_TRUE(r.ok);
  EXPECT_GT(CountKind(records, RequestKind::kRead), CountKind(records, RequestKind::kUpdate));
  EXPECT_GT(CountKind(records, RequestKind::kUpdate), 0);
  EXPECT_GT(CountKind(records, RequestKind::kInsert), 0);
  EXPECT_TRUE(workload.ErrorCounts().empty());
  EXPECT_TRUE(AnyLogContains(workload, " found "));
  EXPECT_TRUE(AnyLogContains(workload, "UPDATE id="));
  EXPECT_TRUE(AnyLogContains(workload, "INSERT id="));
  auto log = workload.RecentLog(5);
  ASSERT_EQ(log.size(), 5u);
  EXPECT_NE(log.back().text.find(" in v1 ("), std::string::npos) << log.back().text;
  EXPECT_NE(log.back().text.find(" ms)"), std::string::npos) << log.back().text;
  EXPECT_LE(workload.RecentLog(100000).size(), 200u);  // the ring keeps log_capacity lines
}

TEST(LabWorkload, ShiftsTheFleetToTheNewVersion) {
  std::string url = LoadedDatabase(2000);
  auto migration = migration::ParseMigration(testing::kSplitNameYaml, "02_split_name.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().ToString();
  auto engine = engine::Engine::Connect(url, {});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(engine->Init().ok());
  Workload workload({.conninfo = url, .clients = 2, .rate = 200, .id_range = 2000});
  workload.Start();
  Status started = engine->Start(*migration);
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto version = engine->LatestVersionSchema();
  ASSERT_TRUE(version.ok());
  workload.ShiftTo(ClientVersion::kV2, *version);
  EXPECT_EQ(workload.target_version(), ClientVersion::kV2);
  for (int i = 0; i < 200 && !workload.AllShifted(); ++i) Sleep(10);
  EXPECT_TRUE(workload.AllShifted());
  Sleep(500);
  Status completed = engine->Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  Sleep(300);
  workload.Stop();
  EXPECT_TRUE(AnyLogContains(workload, "in v2")) << "no v2 request logged";
  EXPECT_TRUE(AnyLogContains(workload, "found first_name="));
  EXPECT_TRUE(workload.ErrorCounts().empty())
      << workload.ErrorCounts().begin()->first;  // v2 never touches `name`
}

TEST(LabWorkload, RequestsBlockedByALockTimeOutAndTheClientsCarryOn) {
  std::string url = LoadedDatabase(500);
  Workload workload(
      {.conninfo = url, .clients = 2, .rate = 100, .id_range = 500, .timeout = milliseconds(200)});
  workload.Start();
  Sleep(300);
  pg::Connection locker = Open(url);
  ASSERT_TRUE(locker.Run("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").ok());
  Sleep(700);
  ASSERT_TRUE(locker.Run("COMMIT").ok());
  double released = workload.Now();
  Sleep(400);
  workload.Stop();
  double end = workload.Now();
  std::vector<RequestRecord> records = workload.Records();
  long long timeouts = std::count_if(records.begin(), records.end(),
                                     [](const RequestRecord& r) { return r.timed_out; });
  EXPECT_GE(timeouts, 2);
  for (const auto& r : records) {
    if (r.timed_out) {
      EXPECT_NEAR(r.latency_ms, 200, 150);
    }
  }
  long long ok_after = std::count_if(records.begin(), records.end(), [&](const RequestRecord& r) {
    return r.ok && r.start_s > released;
  });
  EXPECT_GT(ok_after, 10);  // the clients carried on once the lock was released
  Summary summary = Summarize(records, 0, end);
  EXPECT_GE(summary.longest_stall_ms, 500);  // nothing was answered while the lock was held
  EXPECT_LT(summary.uptime_percent, 100);
  EXPECT_TRUE(AnyLogContains(workload, "statement timeout"));
}

TEST(LabWorkload, ClientsReconnectAfterTheirSessionsAreTerminated) {
  std::string url = LoadedDatabase(500);
  Workload workload({.conninfo = url, .clients = 2, .rate = 100, .id_range = 500});
  workload.Start();
  Sleep(300);
  pg::Connection admin = Open(url);
  auto killed = admin.ExecParams(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
      {kClientApplicationName});
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(killed->GetInt(0, 0), 2);
  Sleep(600);
  double after_kill = workload.Now() - 0.3;
  workload.Stop();
  std::vector<RequestRecord> records = workload.Records();
  long long failed =
      std::count_if(records.begin(), records.end(), [](const RequestRecord& r) { return !r.ok; });
  long long ok_late = std::count_if(records.begin(), records.end(), [&](const RequestRecord& r) {
    return r.ok && r.start_s > after_kill;
  });
  EXPECT_GE(failed, 1);  // the request that found its connection gone
  EXPECT_LE(failed, 4);
  EXPECT_GT(ok_late, 10);  // both clients are back
}

}  // namespace
}  // namespace zs::lab
