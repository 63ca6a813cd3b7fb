// MariaDB's pressure probes, row estimate and range conditions against a real
// throwaway MariaDB: a held long transaction, a queued ALTER and a row lock
// waiter give the right numbers; a stopped replication channel counts as
// lag; the batch statements of a composite key are range scans.
#include "backfill/mariadb_probes.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "backfill/mariadb_batch.h"
#include "servers/mariadb_server.h"
#include "testing/shared_mariadb.h"

namespace zs::backfill {
namespace {

using std::chrono::milliseconds;

class MariadbProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    database_ = mysql::ParseUrl(url_)->database;
    conn_.emplace(Open());
    Run(*conn_,
        "CREATE TABLE items (id int PRIMARY KEY, name varchar(100) NOT NULL, first_name "
        "varchar(100))");
    Run(*conn_, "INSERT INTO items (id, name) SELECT seq, CONCAT('A', seq) FROM seq_1_to_10000");
  }

  mysql::Connection Open(const mysql::SessionSettings& settings = {}) {
    auto conn = mysql::Connection::Open(url_, settings);
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    return std::move(*conn);
  }

  static void Run(mysql::Connection& conn, const std::string& sql) {
    Status status = conn.Run(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  PressureSample Probe(const std::string& table = "items", std::vector<std::string> replicas = {}) {
    MariadbProbes probes(std::move(replicas));
    auto sample = probes.Probe(*conn_, database_, table, Thresholds());
    EXPECT_TRUE(sample.ok()) << sample.status().ToString();
    return sample.ok() ? *sample : PressureSample{};
  }

  static PressureThresholds Thresholds() {
    PressureThresholds t;
    t.max_xact_age = milliseconds(1000);
    return t;
  }

  // Polls until `done` holds (another session reaching a wait), at most 5 s.
  // Each Probe() is a new MariadbProbes, so each reads INNODB_TRX: 0.2 s
  // apart, so that the server refreshes it (see mariadb_probes.h).
  template <typename F>
  static bool Eventually(F done) {
    for (int i = 0; i < 25; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(200));
    }
    return false;
  }

  std::string url_;
  std::string database_;
  std::optional<mysql::Connection> conn_;
};

TEST_F(MariadbProbeTest, ThrottleProbeIsCalmOnAnIdleServer) {
  PressureSample sample = Probe();
  EXPECT_EQ(sample.lock_waiters, 0);
  EXPECT_EQ(sample.long_transactions, 0);
  EXPECT_EQ(sample.standbys, 0);
  EXPECT_EQ(PressureReason(sample, Thresholds()), "");
}

TEST_F(MariadbProbeTest, ThrottleProbeNamesAHeldLongTransaction) {
  mysql::Connection holder = Open();
  Run(holder, "START TRANSACTION");
  Run(holder, "SELECT COUNT(*) FROM items");
  std::this_thread::sleep_for(milliseconds(2100));  // past the 1 s threshold
  PressureSample sample = Probe();
  EXPECT_EQ(sample.long_transactions, 1);
  EXPECT_EQ(sample.lock_waiters, 0);
  ASSERT_TRUE(sample.oldest_transaction.has_value());
  const BlockingSession& b = *sample.oldest_transaction;
  EXPECT_EQ(b.pid, static_cast<long long>(holder.ConnectionId()));
  EXPECT_EQ(b.state, "idle in transaction");
  EXPECT_EQ(b.user, "root");
  EXPECT_GE(b.xact_age_ms, 1000);
  EXPECT_LT(b.xact_age_ms, 60000);
  std::string reason = PressureReason(sample, Thresholds());
  EXPECT_NE(reason.find(fmt::format("end it with KILL {}", holder.ConnectionId())),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("keeps purge from removing"), std::string::npos) << reason;

  Run(holder, "COMMIT");
  EXPECT_TRUE(Eventually([&] { return Probe().long_transactions == 0; }));
}

// An ALTER queued behind a transaction that read the table waits for the
// metadata lock, and every later statement on the table would queue behind
// it: the backfill must yield.
TEST_F(MariadbProbeTest, ThrottleProbeCountsAQueuedAlter) {
  mysql::Connection holder = Open();
  Run(holder, "START TRANSACTION");
  Run(holder, "SELECT COUNT(*) FROM items");
  mysql::Connection alterer = Open();
  std::thread alter([&] { Run(alterer, "ALTER TABLE items ADD COLUMN extra int"); });
  bool queued = Eventually([&] { return Probe().lock_waiters == 1; });
  PressureSample elsewhere = Probe("other");
  Run(holder, "COMMIT");
  alter.join();
  EXPECT_TRUE(queued);
  EXPECT_EQ(elsewhere.lock_waiters, 0);  // the ALTER names another table
  EXPECT_TRUE(Eventually([&] { return Probe().lock_waiters == 0; }));
  EXPECT_NE(PressureReason({.lock_waiters = 1}, Thresholds()).find("waiting for a lock"),
            std::string::npos);
}

TEST_F(MariadbProbeTest, ThrottleProbeCountsARowLockWaiter) {
  mysql::Connection holder = Open();
  Run(holder, "START TRANSACTION");
  Run(holder, "UPDATE items SET name = 'held' WHERE id = 5");
  mysql::Connection waiter = Open({.innodb_lock_wait_timeout_s = 10});
  std::thread wait([&] { Run(waiter, "UPDATE items SET name = 'waited' WHERE id = 5"); });
  bool waiting = Eventually([&] { return Probe().lock_waiters == 1; });
  Run(holder, "ROLLBACK");
  wait.join();
  EXPECT_TRUE(waiting);
  EXPECT_TRUE(Eventually([&] { return Probe().lock_waiters == 0; }));
}

// Replica lag is read on the replica. A replication channel that is not
// running (here: one that was never started, towards a port nobody
// listens on) has Seconds_Behind_Master NULL: its lag is unknown and grows,
// so the backfill throttles as under lag and names it.
TEST_F(MariadbProbeTest, ThrottleProbeTreatsStoppedReplicationAsLag) {
  std::string server = zs::testing::SharedMariadbServer().Url();
  MariadbProbes not_a_replica({server});
  auto refused = not_a_replica.Probe(*conn_, database_, "items", Thresholds());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("replicates from nothing"), std::string::npos)
      << refused.status().ToString();

  Run(*conn_,
      "CHANGE MASTER 'zs_backfill_probe' TO MASTER_HOST = '127.0.0.1', MASTER_PORT = 1, "
      "MASTER_USER = 'nobody'");
  PressureSample sample = Probe("items", {server});
  Run(*conn_, "RESET REPLICA 'zs_backfill_probe' ALL");
  EXPECT_EQ(sample.standbys, 1);
  ASSERT_EQ(sample.stopped_replicas.size(), 1u);
  EXPECT_NE(sample.stopped_replicas[0].find("(connection 'zs_backfill_probe')"), std::string::npos)
      << sample.stopped_replicas[0];
  std::string reason = PressureReason(sample, Thresholds());
  EXPECT_NE(reason.find("replication stopped on replica"), std::string::npos) << reason;
  BatchSizeController controller({.initial_rows = 1000, .min_rows = 100});
  ThrottleStep step = DecideThrottle(sample, Thresholds(), milliseconds(50), controller);
  EXPECT_EQ(step.action, ThrottleStep::Action::kGo);
  EXPECT_EQ(step.sleep, milliseconds(100));
  EXPECT_EQ(controller.batch_rows(), 500);
}

TEST_F(MariadbProbeTest, EstimateReadsTableRows) {
  Run(*conn_, "ANALYZE TABLE items");
  auto rows = EstimateMariadbRows(*conn_, database_, "items");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_GT(*rows, 8000);
  EXPECT_LT(*rows, 12000);
  auto missing = EstimateMariadbRows(*conn_, database_, "nowhere");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, -1);
}

// The composite key's conditions are expanded, not row comparisons: each
// statement of a batch is a range scan of the primary key.
TEST_F(MariadbProbeTest, WalkStatementsOfACompositeKeyAreRangeScans) {
  Run(*conn_,
      "CREATE TABLE pairs (a int NOT NULL, b varchar(10) NOT NULL, c int NOT NULL, v int, "
      "PRIMARY KEY (a, b, c))");
  Run(*conn_,
      "INSERT INTO pairs SELECT seq DIV 1000, CONCAT('x', (seq DIV 10) MOD 100), seq MOD 10, "
      "seq FROM seq_1_to_20000");
  Run(*conn_, "ANALYZE TABLE pairs");
  auto walk = PlanMariadbWalk(*conn_, database_, "pairs");
  ASSERT_TRUE(walk.ok()) << walk.status().ToString();
  EXPECT_EQ(walk->Describe(), "keyset on primary key (a, b, c)");
  auto after = MariadbKeyLiterals(*walk, {"5", "x50", "3"});
  auto upto = MariadbKeyLiterals(*walk, {"6", "x20", "3"});
  ASSERT_TRUE(after.ok() && upto.ok());
  EXPECT_EQ(MariadbRangeCondition(*walk, {}, *upto),
            "((`a` < 6) OR (`a` = 6 AND `b` < 'x20') OR (`a` = 6 AND `b` = 'x20' AND `c` <= 3))");
  for (const std::string& sql :
       {MariadbUpperBoundSql(*walk, *after, 500), MariadbLastKeySql(*walk, *after),
        fmt::format("UPDATE pairs SET v = v + 1 WHERE {}",
                    MariadbRangeCondition(*walk, *after, *upto))}) {
    auto plan = conn_->Exec("EXPLAIN " + sql);
    ASSERT_TRUE(plan.ok()) << sql << ": " << plan.status().ToString();
    EXPECT_EQ(plan->Get(0, plan->ColumnIndex("type")), "range") << sql;
    EXPECT_EQ(plan->Get(0, plan->ColumnIndex("key")), "PRIMARY") << sql;
  }
  auto bad = MariadbKeyLiterals(*walk, {"5; DROP TABLE pairs", "x", "1"});
  EXPECT_FALSE(bad.ok());
}

// A real replica (a second throwaway server replicating from a primary with
// a binary log): caught up, its lag is 0; with its applier blocked behind a
// global read lock while the primary writes, the lag grows in whole seconds;
// with its SQL thread stopped, replication counts as stopped.
TEST(MariadbReplicaThrottleTest, ReadsTheLagOfARealReplica) {
  // The binary log's format is MIXED, the server's default.
  auto primary = servers::MariadbServer::Start({.server_id = 1, .log_bin = true});
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  auto replica = servers::MariadbServer::Start({.server_id = 2});
  ASSERT_TRUE(replica.ok()) << replica.status().ToString();
  Status following = (*replica)->StartReplicaOf(**primary);
  ASSERT_TRUE(following.ok()) << following.ToString();
  auto on_primary = mysql::Connection::Open((*primary)->Url());
  auto on_replica = mysql::Connection::Open((*replica)->Url());
  ASSERT_TRUE(on_primary.ok() && on_replica.ok());
  auto run = [](mysql::Connection& conn, const std::string& sql) {
    Status status = conn.Run(sql);
    EXPECT_TRUE(status.ok()) << sql << ": " << status.ToString();
  };
  run(*on_primary, "CREATE DATABASE app");
  run(*on_primary, "CREATE TABLE app.items (id int PRIMARY KEY, name varchar(20))");
  run(*on_primary, "INSERT INTO app.items VALUES (1, 'a')");
  Status caught_up = (*replica)->WaitForReplica(**primary);
  ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();

  PressureThresholds thresholds;
  thresholds.max_replay_lag = milliseconds(1000);
  MariadbProbes probes({(*replica)->Url()});
  auto calm = probes.Probe(*on_primary, "app", "items", thresholds);
  ASSERT_TRUE(calm.ok()) << calm.status().ToString();
  EXPECT_EQ(calm->standbys, 1);
  EXPECT_EQ(calm->max_replay_lag_ms, 0);
  EXPECT_TRUE(calm->stopped_replicas.empty());

  // The applier waits behind a global read lock on the replica.
  auto blocker = mysql::Connection::Open((*replica)->Url());
  ASSERT_TRUE(blocker.ok());
  run(*blocker, "FLUSH TABLES WITH READ LOCK");
  run(*on_primary, "INSERT INTO app.items VALUES (2, 'b')");
  std::this_thread::sleep_for(milliseconds(2500));
  auto lagging = probes.Probe(*on_primary, "app", "items", thresholds);
  run(*blocker, "UNLOCK TABLES");
  ASSERT_TRUE(lagging.ok()) << lagging.status().ToString();
  EXPECT_GE(lagging->max_replay_lag_ms, 2000);
  EXPECT_LT(lagging->max_replay_lag_ms, 60000);
  EXPECT_NE(PressureReason(*lagging, thresholds).find("standby replay lag"), std::string::npos);

  run(*on_replica, "STOP REPLICA SQL_THREAD");
  auto stopped = probes.Probe(*on_primary, "app", "items", thresholds);
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  ASSERT_EQ(stopped->stopped_replicas.size(), 1u);
  EXPECT_EQ(stopped->stopped_replicas[0], fmt::format("replica 127.0.0.1:{}", (*replica)->port()));
  run(*on_replica, "STOP REPLICA");
}

}  // namespace
}  // namespace zs::backfill
