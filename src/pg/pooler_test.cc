// Pooler detection and the per-version pools, against a real PgBouncer
// (servers/pgbouncer.h) in front of the shared throwaway cluster.
#include "pg/pooler.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <fmt/format.h>

#include "servers/pgbouncer.h"
#include "servers/pgbouncer_test_util.h"
#include "testing/shared_cluster.h"

namespace zs::pg {
namespace {

using servers::PgBouncer;
using servers::test_util::MustStartPgBouncer;

std::string DatabaseOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

Connection OpenOrDie(const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

std::string One(Connection& conn, const std::string& sql) {
  Result<Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<none>";
}

Pooling Detect(const std::string& url) {
  Connection conn = OpenOrDie(url);
  Result<PoolingFinding> finding = DetectPooling(conn.raw(), url);
  EXPECT_TRUE(finding.ok()) << finding.status().ToString();
  if (!finding.ok()) return Pooling::kNone;
  std::printf("%s: %s\n", url.c_str(), finding->evidence.c_str());
  return finding->pooling;
}

TEST(PoolerTest, ADirectConnectionIsNotPooled) {
  std::string url = zs::testing::FreshDatabaseUrl();
  EXPECT_EQ(Detect(url), Pooling::kNone);
  EXPECT_TRUE(RequireOwnSession(url).ok());
}

TEST(PoolerTest, ASessionPoolerKeepsTheSession) {
  std::string url = zs::testing::FreshDatabaseUrl();
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("session");
  EXPECT_EQ(Detect(bouncer->Url(DatabaseOf(url))), Pooling::kSession);
  EXPECT_TRUE(RequireOwnSession(bouncer->Url(DatabaseOf(url))).ok());
}

TEST(PoolerTest, ATransactionPoolerIsDetectedAndRefusedWithAnErrorThatSaysUseADirectUrl) {
  std::string url = zs::testing::FreshDatabaseUrl();
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("transaction");
  std::string pooled = bouncer->Url(DatabaseOf(url));
  EXPECT_EQ(Detect(pooled), Pooling::kTransaction);
  Status refused = RequireOwnSession(pooled);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), Code::kInvalidInput);
  EXPECT_NE(refused.message().find("transaction pooling"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("directly to PostgreSQL"), std::string::npos)
      << refused.message();
  Result<Connection> own = OpenOwnSession(pooled, {});
  EXPECT_FALSE(own.ok());
}

TEST(PoolerTest, AStatementPoolerIsRefusedToo) {
  std::string url = zs::testing::FreshDatabaseUrl();
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("statement");
  EXPECT_EQ(Detect(bouncer->Url(DatabaseOf(url))), Pooling::kTransaction);
}

TEST(PoolerTest, SessionSettingsLeakBetweenClientsOfATransactionPool) {
  // Why zeroshift refuses, and why clients cannot SET their version there.
  std::string url = zs::testing::FreshDatabaseUrl();
  std::unique_ptr<PgBouncer> bouncer = MustStartPgBouncer("transaction");
  Connection first = OpenOrDie(bouncer->Url(DatabaseOf(url)));
  ASSERT_TRUE(first.Run("SET search_path TO pg_catalog, leaked_here").ok());
  Connection second = OpenOrDie(bouncer->Url(DatabaseOf(url)));
  EXPECT_EQ(One(second, "SHOW search_path"), "pg_catalog, leaked_here");
}

TEST(PoolerTest, TheVersionPoolLineNamesTheServerAndSetsSearchPathOnConnect) {
  std::string url = zs::testing::FreshDatabaseUrl();
  std::string database = DatabaseOf(url);
  Connection direct = OpenOrDie(url);
  std::string line = PgBouncerVersionPool(direct, "public_02_split_name", "public");
  EXPECT_EQ(line, fmt::format("{0}_public_02_split_name = host=127.0.0.1 port={1} dbname={0} "
                              "pool_mode=transaction connect_query='SET search_path TO "
                              "\"public_02_split_name\", \"public\"'",
                              database, zs::testing::SharedCluster().port()));
  EXPECT_EQ(VersionPoolName(database, "public_02_split_name"), database + "_public_02_split_name");

  // The printed line, as is, in a real PgBouncer: every client of the pool
  // (more clients than server connections) sees the version, in every
  // transaction, and the database's own pool does not.
  std::unique_ptr<PgBouncer> bouncer =
      MustStartPgBouncer("transaction", {line}, {"default_pool_size = 1"});
  std::vector<Connection> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(OpenOrDie(bouncer->Url(VersionPoolName(database, "public_02_split_name"))));
  }
  for (int round = 0; round < 2; ++round) {
    for (Connection& client : clients) {
      EXPECT_EQ(One(client, "SHOW search_path"), "public_02_split_name, public");
    }
  }
  Connection plain = OpenOrDie(bouncer->Url(database));
  EXPECT_EQ(One(plain, "SHOW search_path"), "\"$user\", public");
}

TEST(PoolerTest, AdviceNamesBothPoolsOrOnlyTheNewOneOverRawTables) {
  std::string url = zs::testing::FreshDatabaseUrl();
  Connection direct = OpenOrDie(url);
  std::string database = DatabaseOf(url);
  std::string both = TransactionPoolerAdvice(direct, "public", "public_baseline", "public_02_x");
  EXPECT_NE(both.find(PgBouncerVersionPool(direct, "public_baseline", "public")), std::string::npos)
      << both;
  EXPECT_NE(both.find(PgBouncerVersionPool(direct, "public_02_x", "public")), std::string::npos);
  EXPECT_NE(both.find("old clients connect to database " + database + "_public_baseline"),
            std::string::npos)
      << both;
  std::string raw = TransactionPoolerAdvice(direct, "public", "", "public_02_x");
  EXPECT_EQ(raw.find("public_baseline"), std::string::npos) << raw;
  EXPECT_NE(raw.find("new clients to database " + database + "_public_02_x"), std::string::npos)
      << raw;
}

}  // namespace
}  // namespace zs::pg
