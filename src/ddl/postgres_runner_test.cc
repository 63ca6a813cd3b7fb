// The PostgreSQL runner behind ddl::Runner: pg::DdlRunner's own tests
// (pg/ddl_runner_test.cc) cover a step; these cover what the interface adds.
#include "ddl/postgres_runner.h"

#include <gtest/gtest.h>

#include "backend/postgres_backend.h"
#include "testing/shared_cluster.h"

namespace zs::ddl {
namespace {

using std::chrono::milliseconds;

class PostgresRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    Result<pg::Connection> conn = pg::Connection::Open(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    session_ = std::make_unique<backend::PostgresSession>(std::move(conn).value());
    ASSERT_TRUE(Conn().Run("CREATE TABLE users (id int PRIMARY KEY, name text)").ok());
    runner_ = MakeRunner(*session_, RetryPolicy{.lock_timeout = milliseconds(50),
                                                .max_attempts = 2,
                                                .initial_backoff = milliseconds(10),
                                                .max_backoff = milliseconds(20)});
    ASSERT_NE(dynamic_cast<PostgresRunner*>(runner_.get()), nullptr);  // the factory's choice
  }

  pg::Connection& Conn() { return backend::PostgresConnection(*session_); }

  bool ColumnExists(const std::string& column) {
    Result<pg::Rows> rows = Conn().ExecParams(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND "
        "column_name = $1",
        {column});
    return rows.ok() && rows->size() == 1;
  }

  std::string url_;
  std::unique_ptr<backend::Session> session_;
  std::unique_ptr<Runner> runner_;
};

TEST_F(PostgresRunnerTest, AGroupIsOneTransaction) {
  ASSERT_TRUE(runner_
                  ->RunGroup({{.schema = "public", .name = "users"}},
                             {"ALTER TABLE users ADD COLUMN email text -- why",
                              "ALTER TABLE users ADD COLUMN phone text"})
                  .ok());
  EXPECT_TRUE(ColumnExists("email"));
  EXPECT_TRUE(ColumnExists("phone"));
  Status status = runner_->RunGroup(
      {{.schema = "public", .name = "users"}},
      {"ALTER TABLE users ADD COLUMN fax text", "ALTER TABLE users ADD COLUMN email text"});
  EXPECT_EQ(status.sqlstate(), "42701") << status.ToString();
  EXPECT_FALSE(ColumnExists("fax"));  // atomic: rolled back with the failure
  EXPECT_FALSE(Conn().InTransaction());
}

TEST_F(PostgresRunnerTest, ALockedTableByItsPartsNamesTheHolder) {
  Result<pg::Connection> blocker = pg::Connection::Open(url_);
  ASSERT_TRUE(blocker.ok());
  ASSERT_TRUE(blocker->Run("BEGIN; SELECT count(*) FROM users").ok());
  Status status = runner_->Run("ALTER TABLE users ADD COLUMN email text",
                               {.locked = {.schema = "public", .name = "users"}});
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_NE(status.message().find("\"public\".\"users\" is locked by pid " +
                                  std::to_string(blocker->BackendPid())),
            std::string::npos)
      << status.message();
  ASSERT_TRUE(blocker->Run("ROLLBACK").ok());
}

TEST_F(PostgresRunnerTest, RunEachStopsAtTheFirstFailure) {
  Status status = runner_->RunEach({"ALTER TABLE users ADD COLUMN IF NOT EXISTS email text",
                                    "ALTER TABLE nowhere ADD COLUMN x int",
                                    "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text"});
  EXPECT_EQ(status.sqlstate(), "42P01") << status.ToString();
  EXPECT_NE(status.message().find("statement 2 of 3 (the 1 before it took effect"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(ColumnExists("email"));
  EXPECT_FALSE(ColumnExists("phone"));
}

}  // namespace
}  // namespace zs::ddl
