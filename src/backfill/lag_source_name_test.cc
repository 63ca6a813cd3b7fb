// The throttle's lag reason names the replica or standby the lag was read on
// (PressureSample::lag_bytes_standby, replay_lag_standby), never a password:
// the message text from a sample; MariaDB's probe on a real lagging replica
// reached through a URL with a password (the largest of two replicas' lags
// is the one named); PostgreSQL's probe on a real standby whose replay is
// paused. Each waits for the lag to show (no fixed sleep).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <thread>

#include "backfill/mariadb_probes.h"
#include "backfill/postgres_batch.h"
#include "backfill/throttle.h"
#include "servers/mariadb_server.h"
#include "servers/temp_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using std::chrono::milliseconds;

// Polls `done` every 50 ms for up to a minute: the wait is for a state.
bool LagNameWaitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

TEST(LagSourceName, TheReasonNamesTheStandbyOrReplica) {
  PressureThresholds t{.max_lag_bytes = 1 << 20, .max_replay_lag = milliseconds(5000)};
  PressureSample bytes{.standbys = 2, .max_lag_bytes = 3 << 20};
  bytes.lag_bytes_standby = "standby \"eu1\" (connected from 10.0.0.7:51234)";
  EXPECT_EQ(PressureReason(bytes, t),
            "standby replay lag 3072 kB > 1024 kB on standby \"eu1\" (connected from "
            "10.0.0.7:51234): the backfill backs off until it catches up; raise "
            "--backfill-max-lag-mb (0: ignore) if it may fall this far behind");
  PressureSample replay{.standbys = 1, .max_replay_lag_ms = 6000};
  replay.replay_lag_standby = "replica 10.0.0.8:3306";
  EXPECT_EQ(PressureReason(replay, t),
            "standby replay lag 6000 ms > 5000 ms on replica 10.0.0.8:3306: the backfill backs "
            "off until it catches up; raise --backfill-max-replay-lag (0: ignore) if it may fall "
            "this far behind");
  // Without a name (a probe that did not say), where to look.
  replay.replay_lag_standby.clear();
  EXPECT_NE(PressureReason(replay, t).find("on the standby or replica furthest behind"),
            std::string::npos);
}

class LagSourceNameMariadb : public ::testing::Test {
 protected:
  static void Must(mysql::Connection& conn, const std::string& sql) {
    Status status = conn.Run(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }
};

// Two replicas of one primary; the second's applier is held behind a global
// read lock while the primary writes, so its lag grows and the first's stays
// 0: the reason names the second by host:port, and not the password of the
// URL it was reached through.
TEST_F(LagSourceNameMariadb, TheReasonNamesTheReplicaFurthestBehindWithoutItsPassword) {
  auto primary = servers::MariadbServer::Start({.server_id = 1, .log_bin = true});
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  auto calm = servers::MariadbServer::Start({.server_id = 2});
  ASSERT_TRUE(calm.ok()) << calm.status().ToString();
  auto lagging = servers::MariadbServer::Start({.server_id = 3});
  ASSERT_TRUE(lagging.ok()) << lagging.status().ToString();
  for (auto* replica : {&*calm, &*lagging}) {
    Status following = (*replica)->StartReplicaOf(**primary);
    ASSERT_TRUE(following.ok()) << following.ToString();
  }
  auto on_primary = mysql::Connection::Open((*primary)->Url());
  auto on_lagging = mysql::Connection::Open((*lagging)->Url());
  ASSERT_TRUE(on_primary.ok() && on_lagging.ok());
  // A monitoring account with a password, made on the replica itself.
  ASSERT_NO_FATAL_FAILURE(
      Must(*on_lagging, "CREATE USER 'zs_lag'@'%' IDENTIFIED BY 'pw-Secret-42'"));
  ASSERT_NO_FATAL_FAILURE(Must(*on_lagging, "GRANT REPLICA MONITOR ON *.* TO 'zs_lag'@'%'"));
  std::string secret_url =
      fmt::format("mariadb://zs_lag:pw-Secret-42@127.0.0.1:{}/", (*lagging)->port());
  ASSERT_NO_FATAL_FAILURE(Must(*on_primary, "CREATE DATABASE app"));
  ASSERT_NO_FATAL_FAILURE(
      Must(*on_primary, "CREATE TABLE app.items (id int PRIMARY KEY, name varchar(20))"));
  for (auto* replica : {&*calm, &*lagging}) {
    Status caught_up = (*replica)->WaitForReplica(**primary);
    ASSERT_TRUE(caught_up.ok()) << caught_up.ToString();
  }

  PressureThresholds thresholds;
  thresholds.max_replay_lag = milliseconds(1000);
  MariadbProbes probes({(*calm)->Url(), secret_url});
  auto blocker = mysql::Connection::Open((*lagging)->Url());
  ASSERT_TRUE(blocker.ok());
  ASSERT_NO_FATAL_FAILURE(Must(*blocker, "FLUSH TABLES WITH READ LOCK"));
  ASSERT_NO_FATAL_FAILURE(Must(*on_primary, "INSERT INTO app.items VALUES (1, 'a')"));
  PressureSample sample;
  std::string reason;
  bool over = LagNameWaitFor([&] {
    auto probed = probes.Probe(*on_primary, "app", "items", thresholds);
    EXPECT_TRUE(probed.ok()) << probed.status().ToString();
    if (!probed.ok()) return true;
    sample = *probed;
    reason = PressureReason(sample, thresholds);
    return !reason.empty();
  });
  ASSERT_NO_FATAL_FAILURE(Must(*blocker, "UNLOCK TABLES"));
  ASSERT_TRUE(over) << "the held replica never lagged past 1 s";
  EXPECT_EQ(sample.standbys, 2);
  EXPECT_EQ(sample.replay_lag_standby, fmt::format("replica 127.0.0.1:{}", (*lagging)->port()));
  EXPECT_NE(reason.find(fmt::format("ms > 1000 ms on replica 127.0.0.1:{}: ", (*lagging)->port())),
            std::string::npos)
      << reason;
  EXPECT_EQ(reason.find("Secret"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("zs_lag"), std::string::npos) << reason;
}

// A real standby whose replay is paused: the WAL the primary writes after
// that stays unreplayed, and the probe's reason names that standby by its
// application_name and the address it connects from.
TEST(LagSourceNamePostgres, TheReasonNamesTheStandbyBehind) {
  auto primary = servers::TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  auto url = (*primary)->CreateDatabase("lagname");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  pg::Connection admin = zs::testing::Open(*url);
  zs::testing::MustRun(admin, "CREATE TABLE items (id int PRIMARY KEY, name text)");
  auto standby = (*primary)->StartStandby();
  ASSERT_TRUE(standby.ok()) << standby.status().ToString();
  pg::Connection replica = zs::testing::Open((*standby)->Url("lagname"));
  auto streaming = [&] {
    auto rows = admin.Exec("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'");
    return rows.ok() && rows->GetInt(0, 0) == 1;
  };
  ASSERT_TRUE(LagNameWaitFor(streaming));
  zs::testing::MustRun(replica, "SELECT pg_wal_replay_pause()");
  zs::testing::MustRun(admin,
                       "INSERT INTO items SELECT i, repeat('x', 200) FROM generate_series(1, "
                       "20000) i");

  PressureThresholds thresholds;
  thresholds.max_lag_bytes = 64 << 10;
  PressureSample sample;
  bool over = LagNameWaitFor([&] {
    auto probed = ProbePressure(admin, "public.items", thresholds);
    EXPECT_TRUE(probed.ok()) << probed.status().ToString();
    if (!probed.ok()) return true;
    sample = *probed;
    return sample.max_lag_bytes > thresholds.max_lag_bytes;
  });
  zs::testing::MustRun(replica, "SELECT pg_wal_replay_resume()");
  ASSERT_TRUE(over) << "the paused standby never fell 64 kB behind";
  auto expected = admin.Exec(
      "SELECT format('standby \"%s\" (connected from %s)', application_name, CASE WHEN "
      "client_addr IS NULL THEN 'a Unix socket' ELSE host(client_addr) || ':' || client_port "
      "END) FROM pg_stat_replication");
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  EXPECT_EQ(sample.lag_bytes_standby, expected->Get(0, 0));
  EXPECT_EQ(sample.lag_bytes_standby.rfind("standby \"", 0), 0u) << sample.lag_bytes_standby;
  std::string reason = PressureReason(sample, thresholds);
  EXPECT_NE(reason.find(" kB on " + sample.lag_bytes_standby + ": "), std::string::npos) << reason;
  EXPECT_EQ(reason.find("pg_stat_replication names it"), std::string::npos) << reason;
}

}  // namespace
}  // namespace zs::backfill
