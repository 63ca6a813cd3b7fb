#include "testing/shared_cluster.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "pg/connection.h"

namespace zs::testing {
namespace {

Result<std::string> QueryOne(const std::string& url, const std::string& sql) {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec(sql));
  if (rows.empty()) return NotFound("no row for: " + sql);
  return rows.Get(0, 0);
}

// The value, or "" for an error (tests that poll).
std::string TextOr(const Result<std::string>& result) { return result.ok() ? *result : ""; }

TEST(TempClusterTest, StartsRunsAndCleansUp) {
  ClusterOptions options;
  options.config_lines = {"work_mem = '7MB'", "application_name = 'from_conf'"};
  Result<std::unique_ptr<TempCluster>> cluster = TempCluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  TempCluster& c = **cluster;
  EXPECT_GT(c.port(), 0);
  EXPECT_EQ(c.Url(), "postgresql://postgres@127.0.0.1:" + std::to_string(c.port()) + "/postgres");
  EXPECT_TRUE(std::filesystem::exists(c.data_dir() + "/PG_VERSION"));
  EXPECT_TRUE(std::filesystem::exists(c.bin_dir() + "/initdb"));

  Result<std::string> work_mem = QueryOne(c.Url(), "SHOW work_mem");
  ASSERT_TRUE(work_mem.ok()) << work_mem.status().ToString();
  EXPECT_EQ(*work_mem, "7MB");
  Result<std::string> fsync = QueryOne(c.Url(), "SHOW fsync");
  EXPECT_EQ(fsync.ok() ? *fsync : "", "off");
  Result<std::string> max_conn = QueryOne(c.Url(), "SHOW max_connections");
  EXPECT_EQ(max_conn.ok() ? *max_conn : "", "200");
  Result<std::string> superuser = QueryOne(c.Url(), "SELECT current_user");
  EXPECT_EQ(superuser.ok() ? *superuser : "", "postgres");

  if (geteuid() == 0) {  // PostgreSQL refuses root: the server must run as postgres
    struct stat info {};
    ASSERT_EQ(stat(c.data_dir().c_str(), &info), 0);
    EXPECT_NE(info.st_uid, 0u);
    Result<std::string> owner = QueryOne(c.Url(), "SELECT pg_read_file('PG_VERSION') IS NOT NULL");
    EXPECT_EQ(owner.ok() ? *owner : "", "t");
  }

  std::string root = std::filesystem::path(c.data_dir()).parent_path();
  std::string url = c.Url();
  cluster->reset();
  EXPECT_FALSE(std::filesystem::exists(root));
  EXPECT_FALSE(pg::Connection::Open(url + "?connect_timeout=2").ok());
}

TEST(TempClusterTest, TwoClustersRunSideBySide) {
  Result<std::unique_ptr<TempCluster>> a = TempCluster::Start();
  Result<std::unique_ptr<TempCluster>> b = TempCluster::Start();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_NE((*a)->data_dir(), (*b)->data_dir());
  EXPECT_TRUE(QueryOne((*a)->Url(), "SELECT 1").ok());
  EXPECT_TRUE(QueryOne((*b)->Url(), "SELECT 1").ok());
}

TEST(TempClusterTest, RestartKeepsCommittedData) {
  Result<std::unique_ptr<TempCluster>> cluster = TempCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  TempCluster& c = **cluster;
  Result<std::string> url = c.CreateDatabase("restart me");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  {
    Result<pg::Connection> conn = pg::Connection::Open(*url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(conn->Run("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')").ok());
  }
  Status restarted = c.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  Result<std::string> value = QueryOne(*url, "SELECT v FROM kept");
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, "before");
}

TEST(TempClusterTest, RestartBreaksOpenConnections) {
  Result<std::unique_ptr<TempCluster>> cluster = TempCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  Result<pg::Connection> conn = pg::Connection::Open((*cluster)->Url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*cluster)->Restart().ok());
  EXPECT_FALSE(conn->Run("SELECT 1").ok());
}

TEST(TempClusterTest, StandbyStreamsFromItsPrimaryAndCanPauseReplay) {
  Result<std::unique_ptr<TempCluster>> primary = TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  Result<std::string> url = (*primary)->CreateDatabase("replicated");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  Result<std::unique_ptr<TempCluster>> standby = (*primary)->StartStandby();
  ASSERT_TRUE(standby.ok()) << standby.status().ToString();
  EXPECT_NE((*standby)->port(), (*primary)->port());
  EXPECT_NE((*standby)->data_dir(), (*primary)->data_dir());
  std::string replica = (*standby)->Url("replicated");
  EXPECT_EQ(TextOr(QueryOne(replica, "SELECT pg_is_in_recovery()::text")), "true");

  Result<pg::Connection> conn = pg::Connection::Open(*url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto replicated = [&](const std::string& expected) {
    for (int i = 0; i < 500; ++i) {
      if (TextOr(QueryOne(replica, "SELECT max(v) FROM t")) == expected) return true;
      usleep(10000);
    }
    return false;
  };
  ASSERT_TRUE(conn->Run("CREATE TABLE t (v int); INSERT INTO t VALUES (1)").ok());
  EXPECT_TRUE(replicated("1"));
  EXPECT_EQ(TextOr(QueryOne(*url, "SELECT count(*) FROM pg_stat_replication")), "1");

  ASSERT_TRUE(QueryOne(replica, "SELECT pg_wal_replay_pause()::text").ok());
  ASSERT_TRUE(conn->Run("INSERT INTO t VALUES (2)").ok());
  usleep(300000);
  EXPECT_EQ(TextOr(QueryOne(replica, "SELECT max(v) FROM t")), "1") << "replay not paused";
  ASSERT_TRUE(QueryOne(replica, "SELECT pg_wal_replay_resume()::text").ok());
  EXPECT_TRUE(replicated("2"));
}

// The failover helpers: a standby cut off from its primary misses what the
// primary commits afterwards, and once promoted it takes writes; a
// synchronous standby is reported as such by the primary.
TEST(TempClusterTest, CutStandbyIsPromotedWithoutTheLaterWrites) {
  Result<std::unique_ptr<TempCluster>> primary = TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  Result<std::unique_ptr<TempCluster>> standby = (*primary)->StartStandby();
  ASSERT_TRUE(standby.ok()) << standby.status().ToString();
  Result<pg::Connection> conn = pg::Connection::Open((*primary)->Url());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Run("CREATE TABLE t (v int); INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE((*standby)->WaitForReplay(**primary).ok());
  ASSERT_TRUE((*standby)->DisconnectFromPrimary().ok());
  ASSERT_TRUE(conn->Run("INSERT INTO t VALUES (2)").ok());
  ASSERT_TRUE((*standby)->Promote().ok());
  std::string promoted = (*standby)->Url();
  EXPECT_EQ(TextOr(QueryOne(promoted, "SELECT pg_is_in_recovery()::text")), "false");
  EXPECT_EQ(TextOr(QueryOne(promoted, "SELECT max(v) FROM t")), "1");
  EXPECT_TRUE(QueryOne(promoted, "INSERT INTO t VALUES (3) RETURNING v").ok());
  ASSERT_TRUE((*primary)->Stop(servers::StopMode::kCrash).ok());
  EXPECT_FALSE(conn->Run("SELECT 1").ok());
}

TEST(TempClusterTest, SynchronousStandby) {
  Result<std::unique_ptr<TempCluster>> primary = TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  Result<std::unique_ptr<TempCluster>> standby =
      (*primary)->StartStandby(servers::StandbyOptions{.synchronous = true});
  ASSERT_TRUE(standby.ok()) << standby.status().ToString();
  EXPECT_EQ(TextOr(QueryOne((*primary)->Url(),
                            "SELECT string_agg(sync_state, ',') FROM "
                            "pg_stat_replication")),
            "sync");
}

TEST(SharedClusterTest, IsStartedOnceAndHandsOutFreshDatabases) {
  TempCluster& first = SharedCluster();
  TempCluster& second = SharedCluster();
  EXPECT_EQ(&first, &second);
  std::string a = FreshDatabaseUrl();
  std::string b = FreshDatabaseUrl();
  EXPECT_NE(a, b);
  std::string prefix = first.Url("t_" + std::to_string(getpid()) + "_");
  EXPECT_EQ(a.rfind(prefix, 0), 0u) << a;
  Result<std::string> name = QueryOne(a, "SELECT current_database()");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(first.Url(*name), a);
}

TEST(SharedClusterTest, CreateDatabaseQuotesTheName) {
  Result<std::string> url = SharedCluster().CreateDatabase("We\"ird ñame");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  Result<std::string> name = QueryOne(*url, "SELECT current_database()");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  EXPECT_EQ(*name, "We\"ird ñame");
  Result<std::string> again = SharedCluster().CreateDatabase("We\"ird ñame");
  EXPECT_EQ(again.status().sqlstate(), "42P04");
}

}  // namespace
}  // namespace zs::testing
