// pg::DdlRunner against real autovacuum workers: cancelled before the DDL
// asks for its lock, never when they prevent wraparound, and a role that may
// not cancel them degrades to the bounded wait.
#include <gtest/gtest.h>

#include <thread>

#include "pg/ddl_runner.h"
#include "testing/shared_cluster.h"

namespace zs::pg {
namespace {

using std::chrono::milliseconds;

Connection OpenForAutovacuum(const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

// An autovacuum worker holds SHARE UPDATE EXCLUSIVE on the table it vacuums
// and yields to a lock waiter only after deadlock_timeout (1 s), longer than
// the runner's lock_timeout. The cluster wakes autovacuum every second, and
// the table's cost settings slow its vacuum to minutes.
class AutovacuumTest : public ::testing::Test {
 protected:
  // `table_options`: the storage parameters of users, which get a vacuum going.
  void StartWith(const std::string& table_options) {
    auto cluster = zs::testing::TempCluster::Start(
        {.config_lines = {"autovacuum_naptime = 1", "deadlock_timeout = '1s'"}});
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
    Result<std::string> url = cluster_->CreateDatabase("autovacuum_test");
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
    conn_ = std::make_unique<Connection>(OpenForAutovacuum(url_));
    ASSERT_TRUE(conn_
                    ->Run("CREATE TABLE users (id int PRIMARY KEY, name text) WITH (" +
                          table_options +
                          ", autovacuum_vacuum_cost_delay = 100, "
                          "autovacuum_vacuum_cost_limit = 1);"
                          "INSERT INTO users SELECT i, repeat('x', 200) FROM "
                          "generate_series(1, 20000) i;"
                          "DELETE FROM users WHERE id % 2 = 0")
                    .ok());
  }

  // The pid of the autovacuum worker whose query is like `query`, once it has started.
  int WaitForAutovacuum(const std::string& query = "autovacuum: VACUUM %users%") {
    for (int i = 0; i < 1200; ++i) {
      Result<Rows> rows = conn_->ExecParams(
          "SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
          "AND query LIKE $1",
          {query});
      if (rows.ok() && rows->size() == 1) return static_cast<int>(rows->GetInt(0, 0));
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "autovacuum never started on users";
    return 0;
  }

  // The query pg_stat_activity shows for `pid`; "" once it has gone.
  std::string QueryOf(int pid) {
    Result<Rows> rows = conn_->ExecParams("SELECT query FROM pg_stat_activity WHERE pid = $1",
                                          {std::to_string(pid)});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "";
  }

  // Stops the launcher, so no new worker starts (the running one goes on):
  // a worker started on users after the cancel would take its lock again.
  void StopLaunchingAutovacuums() {
    ASSERT_TRUE(conn_->Run("ALTER SYSTEM SET autovacuum = off").ok());
    ASSERT_TRUE(conn_->Run("SELECT pg_reload_conf()").ok());
    ASSERT_TRUE(WaitUntilNone(
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'"));
  }

  // Polls `count_sql` (a SELECT count(*)) on a connection of its own until
  // it is 0; false after about 120 s.
  bool WaitUntilNone(const std::string& count_sql) {
    Connection observer = OpenForAutovacuum(url_);
    for (int i = 0; i < 1200; ++i) {
      Result<Rows> rows = observer.Exec(count_sql);
      if (rows.ok() && rows->GetInt(0, 0) == 0) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  // `pid` is still vacuuming users ("autovacuum: VACUUM [ANALYZE] public.users").
  bool VacuumsUsers(int pid) {
    std::string query = QueryOf(pid);
    return query.rfind("autovacuum: VACUUM ", 0) == 0 &&
           query.find("public.users") != std::string::npos;
  }

  static RetryPolicy Policy(bool cancel_autovacuum) {
    RetryPolicy policy;
    policy.lock_timeout = milliseconds(200);
    policy.max_attempts = 4;
    policy.initial_backoff = milliseconds(50);
    policy.max_backoff = milliseconds(200);
    policy.cancel_autovacuum = cancel_autovacuum;
    return policy;
  }

  std::unique_ptr<zs::testing::TempCluster> cluster_;
  std::string url_;
  std::unique_ptr<Connection> conn_;
};

constexpr char kDeadTuples[] =
    "autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0";

TEST_F(AutovacuumTest, ARunningAutovacuumIsCancelledBeforeWaitingAndTheStatementSucceeds) {
  StartWith(kDeadTuples);
  int vacuum_pid = WaitForAutovacuum();
  ASSERT_NE(vacuum_pid, 0);
  StopLaunchingAutovacuums();
  const std::string named = "(autovacuum worker, active for ";

  // Left running, it outlasts every attempt: each gives up before deadlock_timeout.
  DdlRunner patient(*conn_, Policy(/*cancel_autovacuum=*/false));
  std::vector<std::string> patient_notices;
  patient.OnNotice([&](const std::string& notice) { patient_notices.push_back(notice); });
  Status refused =
      patient.Run("ALTER TABLE users ADD COLUMN email text", {.lock_table = "public.users"});
  EXPECT_EQ(refused.code(), Code::kLockTimeout) << refused.ToString();
  EXPECT_NE(refused.message().find("pid " + std::to_string(vacuum_pid)), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("left running (--no-cancel-autovacuum)"), std::string::npos)
      << refused.message();
  EXPECT_TRUE(patient_notices.empty());
  ASSERT_TRUE(VacuumsUsers(vacuum_pid)) << QueryOf(vacuum_pid);

  DdlRunner runner(*conn_, Policy(/*cancel_autovacuum=*/true));
  std::vector<std::string> notices;
  runner.OnNotice([&](const std::string& notice) {
    notices.push_back(notice);
    // The cancel takes effect asynchronously: the attempt that follows this
    // notice starts once the worker has let go of users, so that its count
    // does not depend on how fast a loaded machine delivers the cancel.
    EXPECT_TRUE(
        WaitUntilNone("SELECT count(*) FROM pg_locks WHERE pid = " + std::to_string(vacuum_pid) +
                      " AND relation = 'public.users'::regclass"));
  });
  Status status =
      runner.Run("ALTER TABLE users ADD COLUMN email text", {.lock_table = "public.users"});
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].find("before asking for its lock, public.users is locked by pid " +
                            std::to_string(vacuum_pid) + " " + named),
            0u)
      << notices[0];
  EXPECT_NE(notices[0].find("holds ShareUpdateExclusiveLock: autovacuum: VACUUM"),
            std::string::npos)
      << notices[0];
  EXPECT_NE(notices[0].find("cancelled autovacuum pid " + std::to_string(vacuum_pid)),
            std::string::npos)
      << notices[0];
}

TEST_F(AutovacuumTest, ARoleThatMayNotCancelItWaitsWithinTheBoundAndSaysWhy) {
  StartWith(kDeadTuples);
  // Neither superuser nor pg_signal_backend: it owns the table, so it may
  // alter it, and pg_read_all_stats shows it the worker's query.
  ASSERT_TRUE(conn_
                  ->Run("CREATE ROLE zs_app LOGIN; GRANT pg_read_all_stats TO zs_app; "
                        "ALTER TABLE users OWNER TO zs_app")
                  .ok());
  int vacuum_pid = WaitForAutovacuum();
  ASSERT_NE(vacuum_pid, 0);
  std::string app_url = url_;
  ASSERT_NE(app_url.find("postgres@"), std::string::npos) << app_url;
  app_url.replace(app_url.find("postgres@"), 9, "zs_app@");
  Connection app = OpenForAutovacuum(app_url);

  RetryPolicy policy = Policy(/*cancel_autovacuum=*/true);
  policy.max_attempts = 2;
  DdlRunner runner(app, policy);
  std::vector<std::string> notices;
  runner.OnNotice([&](const std::string& notice) { notices.push_back(notice); });
  Status status =
      runner.Run("ALTER TABLE users ADD COLUMN email text", {.lock_table = "public.users"});
  // A lock timeout like any other, not the permission error of the cancel.
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_EQ(status.sqlstate(), "55P03") << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 2);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("could not cancel autovacuum pid " + std::to_string(vacuum_pid)),
            std::string::npos)
      << notices[0];
  EXPECT_NE(notices[0].find("this role may not signal it"), std::string::npos) << notices[0];
  EXPECT_NE(status.message().find("this role may not signal it"), std::string::npos)
      << status.message();
  EXPECT_TRUE(VacuumsUsers(vacuum_pid)) << QueryOf(vacuum_pid);
}

TEST_F(AutovacuumTest, AnAntiWraparoundAutovacuumIsNeverCancelled) {
  // Ordinary autovacuum is off for users, so the only vacuum it gets is the
  // anti-wraparound one, due once its relfrozenxid is 100 000 transactions old.
  StartWith("autovacuum_enabled = false, autovacuum_freeze_max_age = 100000");
  ASSERT_TRUE(conn_
                  ->Run("DO $$ BEGIN FOR i IN 1..100100 LOOP PERFORM txid_current(); COMMIT; "
                        "END LOOP; END $$")
                  .ok());
  int vacuum_pid = WaitForAutovacuum("autovacuum: VACUUM %users (to prevent wraparound)");
  ASSERT_NE(vacuum_pid, 0);

  RetryPolicy policy = Policy(/*cancel_autovacuum=*/true);
  policy.max_attempts = 3;
  DdlRunner runner(*conn_, policy);
  std::vector<std::string> notices;
  runner.OnNotice([&](const std::string& notice) { notices.push_back(notice); });
  Status status =
      runner.Run("ALTER TABLE users ADD COLUMN email text", {.lock_table = "public.users"});
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("autovacuum pid " + std::to_string(vacuum_pid) +
                            " prevents transaction ID wraparound and must finish"),
            std::string::npos)
      << notices[0];
  EXPECT_EQ(notices[0].find("cancelled"), std::string::npos) << notices[0];
  EXPECT_NE(QueryOf(vacuum_pid).find("(to prevent wraparound)"), std::string::npos);
}

}  // namespace
}  // namespace zs::pg
