#include "pg/connection.h"
#include "pg/session.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "testing/shared_cluster.h"

namespace zs::pg {
namespace {

using std::chrono::milliseconds;

Connection OpenOrDie(const std::string& url, const SessionSettings& settings = {}) {
  Result<Connection> conn = Connection::Open(url, settings);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

std::string ShowSetting(Connection& conn, const std::string& name) {
  Result<Rows> rows = conn.Exec("SHOW " + name);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? rows->Get(0, 0) : "";
}

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { url_ = zs::testing::FreshDatabaseUrl(); }
  std::string url_;
};

TEST_F(ConnectionTest, RunsQueriesAndReadsTypedValues) {
  Connection conn = OpenOrDie(url_);
  Result<Rows> rows =
      conn.Exec("SELECT 42 AS answer, true AS yes, NULL::text AS nothing, 'x' AS s");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1);
  EXPECT_EQ(rows->columns(), 4);
  EXPECT_EQ(rows->GetInt(0, 0), 42);
  EXPECT_TRUE(rows->GetBool(0, 1));
  EXPECT_TRUE(rows->IsNull(0, 2));
  EXPECT_EQ(rows->Get(0, 2), "");
  EXPECT_EQ(rows->GetOptional(0, 2), std::nullopt);
  EXPECT_EQ(rows->GetOptional(0, 3), "x");
  EXPECT_EQ(rows->ColumnIndex("yes"), 1);
  EXPECT_EQ(rows->ColumnIndex("missing"), -1);
  EXPECT_EQ(rows->Get(0, "answer"), "42");
}

TEST_F(ConnectionTest, ReportsAffectedRows) {
  Connection conn = OpenOrDie(url_);
  ASSERT_TRUE(conn.Run("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 5)").ok());
  Result<Rows> rows = conn.Exec("UPDATE t SET id = id + 1 WHERE id > 2");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->AffectedRows(), 3);
  EXPECT_TRUE(rows->empty());
}

TEST_F(ConnectionTest, CarriesSqlstateOfMissingTable) {
  Connection conn = OpenOrDie(url_);
  Result<Rows> rows = conn.Exec("SELECT * FROM no_such_table");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), Code::kDatabase);
  EXPECT_EQ(rows.status().sqlstate(), "42P01");
  EXPECT_EQ(rows.status().message(), "relation \"no_such_table\" does not exist");
  EXPECT_EQ(rows.status().ToString(), "relation \"no_such_table\" does not exist (SQLSTATE 42P01)");
}

TEST_F(ConnectionTest, MessageIncludesDetailAndHint) {
  Connection conn = OpenOrDie(url_);
  ASSERT_TRUE(conn.Run("CREATE TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1)").ok());
  Status dup = conn.Run("INSERT INTO u VALUES (1)");
  EXPECT_EQ(dup.sqlstate(), "23505");
  EXPECT_NE(dup.message().find("DETAIL: Key (id)=(1) already exists."), std::string::npos)
      << dup.message();
  Status hinted = conn.Run("SELECT no_such_function(1)");
  EXPECT_EQ(hinted.sqlstate(), "42883");
  EXPECT_NE(hinted.message().find("; HINT: "), std::string::npos) << hinted.message();
  EXPECT_EQ(hinted.message().find('\n'), std::string::npos);
}

TEST_F(ConnectionTest, PassesTextParametersAndNull) {
  Connection conn = OpenOrDie(url_);
  Result<Rows> rows = conn.ExecParams("SELECT $1::text IS NULL, $2::int + 1, $3::text",
                                      {std::nullopt, "41", "it's \"quoted\" ñ"});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_TRUE(rows->GetBool(0, 0));
  EXPECT_EQ(rows->GetInt(0, 1), 42);
  EXPECT_EQ(rows->Get(0, 2), "it's \"quoted\" ñ");
}

TEST_F(ConnectionTest, RunParamsReportsErrors) {
  Connection conn = OpenOrDie(url_);
  ASSERT_TRUE(conn.Run("CREATE TABLE p (v text NOT NULL)").ok());
  EXPECT_TRUE(conn.RunParams("INSERT INTO p VALUES ($1)", {"a"}).ok());
  Status null_violation = conn.RunParams("INSERT INTO p VALUES ($1)", {std::nullopt});
  EXPECT_EQ(null_violation.sqlstate(), "23502");
  Status bad_int = conn.RunParams("SELECT $1::int", {"nope"});
  EXPECT_EQ(bad_int.sqlstate(), "22P02");
}

TEST_F(ConnectionTest, PinsSessionSettings) {
  SessionSettings settings;
  settings.application_name = "zeroshift test 'x'";
  settings.lock_timeout = milliseconds(1234);
  settings.statement_timeout = milliseconds(5000);
  Connection conn = OpenOrDie(url_, settings);
  EXPECT_EQ(ShowSetting(conn, "lock_timeout"), "1234ms");
  EXPECT_EQ(ShowSetting(conn, "statement_timeout"), "5s");
  EXPECT_EQ(ShowSetting(conn, "application_name"), "zeroshift test 'x'");
  EXPECT_EQ(ShowSetting(conn, "standard_conforming_strings"), "on");
  EXPECT_EQ(ShowSetting(conn, "client_min_messages"), "warning");
}

TEST_F(ConnectionTest, DefaultSettingsMeanNoTimeouts) {
  Connection conn = OpenOrDie(url_);
  EXPECT_EQ(ShowSetting(conn, "lock_timeout"), "0");
  EXPECT_EQ(ShowSetting(conn, "statement_timeout"), "0");
  EXPECT_EQ(ShowSetting(conn, "application_name"), "zeroshift");
}

TEST_F(ConnectionTest, SetsTimeouts) {
  Connection conn = OpenOrDie(url_);
  ASSERT_TRUE(conn.SetLockTimeout(milliseconds(250)).ok());
  ASSERT_TRUE(conn.SetStatementTimeout(milliseconds(100)).ok());
  EXPECT_EQ(ShowSetting(conn, "lock_timeout"), "250ms");
  Status slow = conn.Run("SELECT pg_sleep(2)");
  EXPECT_EQ(slow.sqlstate(), "57014");  // query_canceled by statement_timeout
}

TEST_F(ConnectionTest, ReportsSessionState) {
  Connection conn = OpenOrDie(url_);
  EXPECT_GT(conn.BackendPid(), 0);
  EXPECT_GE(conn.ServerVersion(), 120000);
  EXPECT_FALSE(conn.InTransaction());
  ASSERT_TRUE(conn.Run("BEGIN").ok());
  EXPECT_TRUE(conn.InTransaction());
  EXPECT_FALSE(conn.Run("SELECT 1/0").ok());
  EXPECT_TRUE(conn.InTransaction());  // aborted, still needs a ROLLBACK
  ASSERT_TRUE(conn.Run("ROLLBACK").ok());
  EXPECT_FALSE(conn.InTransaction());
  Result<Rows> pid = conn.Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(pid->GetInt(0, 0), conn.BackendPid());
}

TEST_F(ConnectionTest, MovedFromConnectionFailsCleanly) {
  Connection conn = OpenOrDie(url_);
  Connection other = std::move(conn);
  EXPECT_TRUE(other.Run("SELECT 1").ok());
  EXPECT_EQ(conn.Run("SELECT 1").code(), Code::kInternal);  // NOLINT(bugprone-use-after-move)
}

TEST(ConnectionOpenTest, FailureNamesTargetWithoutPassword) {
  Result<Connection> conn =
      Connection::Open("postgresql://someone:s3cret@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Code::kDatabase);
  const std::string& message = conn.status().message();
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_NE(message.find("someone:***@127.0.0.1:1"), std::string::npos) << message;
  EXPECT_NE(message.back(), '\n');
}

TEST(ConnectionOpenTest, FailureWithKeyValueConninfoRedactsPassword) {
  Result<Connection> conn =
      Connection::Open("host=127.0.0.1 port=1 password=hunter2 connect_timeout=2");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().message().find("hunter2"), std::string::npos);
}

TEST(RedactPasswordTest, Urls) {
  EXPECT_EQ(RedactPassword("postgres://user:pw@host/db"), "postgres://user:***@host/db");
  EXPECT_EQ(RedactPassword("postgresql://u:p%40ss@h:5432/d?sslmode=disable"),
            "postgresql://u:***@h:5432/d?sslmode=disable");
  EXPECT_EQ(RedactPassword("postgresql://u:p@ss/w@h/d"), "postgresql://u:***@h/d");
  EXPECT_EQ(RedactPassword("postgresql://user@host/db"), "postgresql://user@host/db");
  EXPECT_EQ(RedactPassword("postgresql://host/db"), "postgresql://host/db");
  EXPECT_EQ(RedactPassword("postgresql://host/db?user=a@b"), "postgresql://host/db?user=a@b");
  EXPECT_EQ(RedactPassword("postgresql://h/d?user=u&password=secret&sslmode=require"),
            "postgresql://h/d?user=u&password=***&sslmode=require");
}

// A URL of another scheme reaches libpq's messages too (it echoes what it
// cannot parse): its password is masked the same way.
TEST(RedactPasswordTest, UrlsOfAnyScheme) {
  EXPECT_EQ(RedactPassword("mariadb://app:s3cret@127.0.0.1:1/app"),
            "mariadb://app:***@127.0.0.1:1/app");
  EXPECT_EQ(RedactPassword("mysql+x://u:p@h/d"), "mysql+x://u:***@h/d");
  EXPECT_EQ(RedactSecrets("missing \"=\" after \"mariadb://app:s3cret@h/app\" in connection info",
                          "mariadb://app:s3cret@h/app")
                .find("s3cret"),
            std::string::npos);
  EXPECT_EQ(RedactPassword("1http://u:p@h"), "1http://u:p@h");  // not a scheme: key=value rules
}

TEST(RedactPasswordTest, KeyValueStrings) {
  EXPECT_EQ(RedactPassword("host=h password=secret dbname=d"), "host=h password=*** dbname=d");
  EXPECT_EQ(RedactPassword("password = 'se cr\\'et' host=h"), "password = *** host=h");
  EXPECT_EQ(RedactPassword("host=h password=x"), "host=h password=***");
  EXPECT_EQ(RedactPassword("host=h passwordless=1"), "host=h passwordless=1");
  EXPECT_EQ(RedactPassword("host=h user=password"), "host=h user=password");
  EXPECT_EQ(RedactPassword(""), "");
}

class ResolveConnectionStringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("ZEROSHIFT_POSTGRES_URL");
    unsetenv("DATABASE_URL");
  }
  void TearDown() override { SetUp(); }
};

TEST_F(ResolveConnectionStringTest, PrefersExplicitThenZeroshiftThenDatabaseUrl) {
  EXPECT_EQ(ResolveConnectionString(""), "");
  setenv("DATABASE_URL", "postgres://d", 1);
  EXPECT_EQ(ResolveConnectionString(""), "postgres://d");
  setenv("ZEROSHIFT_POSTGRES_URL", "postgres://z", 1);
  EXPECT_EQ(ResolveConnectionString(""), "postgres://z");
  EXPECT_EQ(ResolveConnectionString("postgres://explicit"), "postgres://explicit");
  setenv("ZEROSHIFT_POSTGRES_URL", "", 1);  // empty counts as unset
  EXPECT_EQ(ResolveConnectionString(""), "postgres://d");
}

}  // namespace
}  // namespace zs::pg
