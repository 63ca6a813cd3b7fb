// The batch loop's pressure probe on PostgreSQL runs as a prepared statement
// (postgres_batch.cc, PreparedProbe): parsing and planning its catalog views
// cost ~5x running it, once per batch. It must see what the plain probe
// sees, be prepared once per session, survive DEALLOCATE ALL, and share the
// session with another backfill's probe; and it counts the clients working
// (--backfill-nice-ratio), none of the backfill's own sessions among them.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "backfill/batch_backend.h"
#include "backfill/postgres_batch.h"
#include "backfill/throttle.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using std::chrono::milliseconds;
using zs::testing::Open;

long long PreparedProbes(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.Exec(
      "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'zs\\_backfill\\_probe%'");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? rows->GetInt(0, 0) : -1;
}

TEST(BackfillPreparedProbe, SeesALockWaiterAndIsPreparedOncePerSession) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  pg::Connection holder = Open(url);
  ASSERT_TRUE(conn.Run("CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE other (id int)").ok());
  std::unique_ptr<BatchBackend> backend = MakePostgresBatchBackend(conn);
  PressureThresholds t{.max_xact_age = milliseconds(0)};

  Result<PressureSample> calm = backend->ProbePressure("public", "t", t);
  ASSERT_TRUE(calm.ok()) << calm.status().ToString();
  EXPECT_EQ(calm->lock_waiters, 0);
  EXPECT_EQ(calm->long_transactions, 0);
  EXPECT_FALSE(calm->role.empty());
  EXPECT_EQ(PreparedProbes(conn), 1) << "the probe runs as a prepared statement";

  ASSERT_TRUE(holder.Run("BEGIN; LOCK TABLE t IN ACCESS SHARE MODE").ok());
  // A DDL statement queues behind the reader (it waits up to 3 s).
  std::thread waiter([&url] {
    pg::Connection ddl = Open(url);
    (void)ddl.Run("SET lock_timeout = '3s'; ALTER TABLE t ADD COLUMN v int");
  });
  long long waiters = 0;
  for (int i = 0; i < 100 && waiters == 0; ++i) {
    Result<PressureSample> sample = backend->ProbePressure("public", "t", t);
    ASSERT_TRUE(sample.ok()) << sample.status().ToString();
    waiters = sample->lock_waiters;
    if (waiters == 0) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(waiters, 1);
  // The table is a parameter of the prepared statement, not part of it.
  Result<PressureSample> elsewhere = backend->ProbePressure("public", "other", t);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().ToString();
  EXPECT_EQ(elsewhere->lock_waiters, 0) << "a wait on another table is not our pressure";
  ASSERT_TRUE(holder.Run("COMMIT").ok());
  waiter.join();
  EXPECT_EQ(PreparedProbes(conn), 1) << "prepared once, not per probe";
}

TEST(BackfillPreparedProbe, SurvivesDeallocateAndASecondBackfillOnTheSession) {
  pg::Connection conn = Open(zs::testing::FreshDatabaseUrl());
  ASSERT_TRUE(conn.Run("CREATE TABLE t (id int PRIMARY KEY)").ok());
  PressureThresholds t{};
  std::unique_ptr<BatchBackend> first = MakePostgresBatchBackend(conn);
  ASSERT_TRUE(first->ProbePressure("public", "t", t).ok());

  // Another backfill on the same session (an earlier run's statement is there).
  std::unique_ptr<BatchBackend> second = MakePostgresBatchBackend(conn);
  Result<PressureSample> shared = second->ProbePressure("public", "t", t);
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  EXPECT_EQ(PreparedProbes(conn), 1);

  // DISCARD ALL / DEALLOCATE ALL (a pooler's reset) between two batches.
  ASSERT_TRUE(conn.Run("DEALLOCATE ALL").ok());
  Result<PressureSample> again = first->ProbePressure("public", "t", t);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->lock_waiters, 0);
  EXPECT_EQ(PreparedProbes(conn), 1);
}

long long ProbeInt(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() && !rows->empty() ? rows->GetInt(0, 0) : -1;
}

// --backfill-nice-ratio's probe: a client running a statement in a
// transaction is working; the same session is not once it is one of the
// backfill's own (a worker's pid), nor once it has been idle for more than
// the probe's second. Event-ordered: each step waits for the server's state.
TEST(BackfillPreparedProbe, CountsAWorkingClientButNotOurSessionsNorAnIdleOne) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  pg::Connection client = Open(url);
  ASSERT_TRUE(conn.Run("CREATE TABLE t (id int PRIMARY KEY)").ok());
  std::unique_ptr<BatchBackend> backend = MakePostgresBatchBackend(conn);
  PressureThresholds t{.max_xact_age = milliseconds(0)};
  long long pid = ProbeInt(client, "SELECT pg_backend_pid()");
  std::string client_state = fmt::format(
      "SELECT count(*) FROM pg_stat_activity WHERE pid = {} AND state = 'active' AND query LIKE "
      "'%pg_sleep%'",
      pid);
  std::thread busy([&client] { (void)client.Run("BEGIN; SELECT pg_sleep(60)"); });
  ASSERT_TRUE(zs::testing::WaitUntil([&] { return ProbeInt(conn, client_state) == 1; },
                                     std::chrono::seconds(30)));

  Result<PressureSample> working = backend->ProbePressure("public", "t", t);
  ASSERT_TRUE(working.ok()) << working.status().ToString();
  EXPECT_EQ(working->clients_working, 1) << "the client in its statement";
  EXPECT_EQ(WorkingClients(*working), 1);
  EXPECT_TRUE(ShouldYield(*working, 1.0));

  // The same session as one of the backfill's workers: not a client.
  backend->ExcludeSessions({pid});
  Result<PressureSample> ours = backend->ProbePressure("public", "t", t);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  EXPECT_EQ(ours->clients_working, 0) << "a worker session counted as a client";
  backend->ExcludeSessions({});

  ASSERT_EQ(ProbeInt(conn, fmt::format("SELECT pg_cancel_backend({})::int", pid)), 1);
  busy.join();
  ASSERT_TRUE(client.Run("ROLLBACK").ok());
  // Idle for more than the probe's second: no longer working.
  ASSERT_TRUE(zs::testing::WaitUntil(
      [&] {
        return ProbeInt(conn, fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {} "
                                          "AND state = 'idle' AND state_change < now() - "
                                          "interval '1.2 seconds'",
                                          pid)) == 1;
      },
      std::chrono::seconds(30)));
  Result<PressureSample> idle = backend->ProbePressure("public", "t", t);
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_EQ(idle->clients_working, 0) << "an idle session is not working";
  EXPECT_FALSE(ShouldYield(*idle, 1.0));
  // The plain probe (tests, tools) agrees.
  Result<PressureSample> plain = ProbePressure(conn, "public.t", t);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->clients_working, 0);
}

}  // namespace
}  // namespace zs::backfill
