#include "engine/resolve_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "testing/mariadb_session_test.h"

namespace zs::engine {
namespace {

class ResolveMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
    other_ = database_ + "_other";
    Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100))");
    Run("CREATE DATABASE " + mysql::QuoteIdentifier(other_));
  }
  void TearDown() override {
    (void)conn_->Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(other_));
  }

  Result<std::string> Resolve(const std::string& expression) {
    return MariadbResolveExpression(*conn_, {.schema = database_,
                                             .table = "users",
                                             .variables = {{"name", "varchar(100)"}},
                                             .expression = expression,
                                             .what = "01_x.yaml:3:5 add_column users.first up"});
  }

  std::string other_;
};

TEST_F(ResolveMariadb, AFunctionOfTheMigrationsDatabaseResolvesWhateverTheSessionUses) {
  Run("CREATE FUNCTION first_word(v VARCHAR(100)) RETURNS VARCHAR(100) DETERMINISTIC RETURN "
      "SUBSTRING_INDEX(v, ' ', 1)");
  Run("USE " + mysql::QuoteIdentifier(other_));
  auto resolved = Resolve("first_word(name)");
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(*resolved, "first_word(name)");  // kept as written: the trigger runs in that database
  auto now = conn_->Exec("SELECT DATABASE()");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->Get(0, 0), other_);  // the session's database is given back
}

TEST_F(ResolveMariadb, AFunctionOnlyInTheSessionsDatabaseIsRefused) {
  Run("USE " + mysql::QuoteIdentifier(other_));
  Run("CREATE FUNCTION first_word(v VARCHAR(100)) RETURNS VARCHAR(100) DETERMINISTIC RETURN "
      "SUBSTRING_INDEX(v, ' ', 1)");
  auto resolved = Resolve("first_word(name)");
  ASSERT_FALSE(resolved.ok());
  const std::string& message = resolved.status().message();
  EXPECT_NE(message.find("01_x.yaml:3:5"), std::string::npos) << message;
  EXPECT_NE(message.find("schema-qualified"), std::string::npos) << message;
  // Qualified, it is found where it is.
  auto qualified = Resolve(mysql::QuoteIdentifier(other_) + ".first_word(name)");
  EXPECT_TRUE(qualified.ok()) << qualified.status().message();
}

TEST_F(ResolveMariadb, AnInvokerFunctionAnotherUserDefinedIsRefused) {
  std::string user = "zs_low_" + database_.substr(database_.size() > 8 ? database_.size() - 8 : 0);
  std::string account = mysql::QuoteLiteral(user) + "@'localhost'";
  Run("CREATE USER IF NOT EXISTS " + account);
  Run("CREATE DEFINER = " + account +
      " FUNCTION shout(v VARCHAR(100)) RETURNS VARCHAR(100) SQL SECURITY INVOKER DETERMINISTIC "
      "RETURN UPPER(v)");
  Run("CREATE DEFINER = " + account +
      " FUNCTION whisper(v VARCHAR(100)) RETURNS VARCHAR(100) SQL SECURITY DEFINER "
      "DETERMINISTIC RETURN LOWER(v)");
  Run("CREATE FUNCTION mine(v VARCHAR(100)) RETURNS VARCHAR(100) SQL SECURITY INVOKER "
      "DETERMINISTIC RETURN LOWER(v)");
  auto refused = Resolve("CONCAT(shout(name), '!')");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("`shout` is SQL SECURITY INVOKER"), std::string::npos)
      << refused.status().message();
  auto qualified = Resolve(mysql::QuoteIdentifier(database_) + ".`shout`(name)");
  EXPECT_FALSE(qualified.ok());
  EXPECT_TRUE(Resolve("whisper(name)").ok());  // runs as its definer: grants nothing
  EXPECT_TRUE(Resolve("mine(name)").ok());     // defined by zeroshift's user
  EXPECT_TRUE(Resolve("'shout(name)'").ok());  // a string is not a call
  (void)conn_->Run("DROP USER IF EXISTS " + account);
}

TEST_F(ResolveMariadb, ResolversComeFromTheSession) {
  Resolvers resolvers = MakeResolvers(*session_, database_);
  triggers::TriggerSpec spec{.name = "first_up",
                             .schema = database_,
                             .table = "users",
                             .variables = {{"name", "name"}},
                             .target_column = "first",
                             .expression = "split_part(name, ' ', 1)"};
  schema::Schema live;
  schema::Table users{.name = "users", .physical_name = "users"};
  users.columns.push_back({.name = "name", .physical_name = "name", .type = "varchar(100)"});
  live.tables.push_back(users);
  auto refused = resolvers.resolve(spec, {live});
  EXPECT_FALSE(refused.ok());  // PostgreSQL's function: MariaDB has no split_part
  spec.expression = "SUBSTRING_INDEX(name, ' ', 1)";
  auto resolved = resolvers.resolve(spec, {live});
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(*resolved, spec.expression);
}

}  // namespace
}  // namespace zs::engine
