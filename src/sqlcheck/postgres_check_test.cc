#include "sqlcheck/postgres_check.h"

#include <gtest/gtest.h>

#include <memory>

#include <string>
#include <vector>

#include "backend/postgres_backend.h"
#include "testing/shared_cluster.h"

namespace zs::sqlcheck {
namespace {

const char kWhat[] = "02_split_name.yaml:5:7 add_column users.first_name up";
const VisibleTable kUsers = {"users", {{"id", "integer"}, {"name", "text"}}};

TEST(PostgresCheckTest, ExpressionIsValidateExpressionPlusItsColumns) {
  PostgresExpressionChecker checker;
  auto checked = checker.CheckExpression(kUsers, "split_part(users.name, ' ', 1) || id::text",
                                         kWhat, UnknownColumns::kRefuse);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->embedded, "(split_part(users.name, ' ', 1) || id::text)");
  EXPECT_EQ(checked->columns, (std::vector<std::string>{"name", "id"}));
  EXPECT_TRUE(checked->unknown_columns.empty());

  auto refused =
      checker.CheckExpression(kUsers, "1; DROP TABLE users", kWhat, UnknownColumns::kRefuse);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            ValidateExpression("1; DROP TABLE users", kWhat).status().message());
}

TEST(PostgresCheckTest, UnknownColumnsRefusedOrReported) {
  PostgresExpressionChecker checker;
  auto refused = checker.CheckExpression(kUsers, "upper(nickname)", kWhat, UnknownColumns::kRefuse);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            std::string(kWhat) +
                ": `upper(nickname)` refers to column \"nickname\", which table \"users\" does "
                "not have in the version it reads (columns: id, name)");
  auto reported = checker.CheckExpression(kUsers, "coalesce(nickname, name, other.x)", kWhat,
                                          UnknownColumns::kReport);
  ASSERT_TRUE(reported.ok()) << reported.status().ToString();
  EXPECT_EQ(reported->columns, (std::vector<std::string>{"name"}));
  EXPECT_EQ(reported->unknown_columns, (std::vector<std::string>{"nickname"}));
}

TEST(PostgresCheckTest, TypesAndStatementsAreTheParserChecks) {
  PostgresExpressionChecker checker;
  EXPECT_TRUE(checker.CheckType("timestamp with time zone", kWhat).ok());
  EXPECT_FALSE(checker.CheckType("int; DROP TABLE t", kWhat).ok());
  EXPECT_TRUE(checker.CheckIdentifier("first_name", kWhat).ok());
  EXPECT_EQ(checker.CheckIdentifier(std::string(64, 'a'), kWhat).message(),
            ValidateIdentifier(std::string(64, 'a'), kWhat).message());
  auto statements = checker.CheckStatements("CREATE INDEX CONCURRENTLY i ON t (c); BEGIN", kWhat);
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  ASSERT_EQ(statements->size(), 2u);
  EXPECT_TRUE((*statements)[0].outside_transaction);
  EXPECT_TRUE((*statements)[1].transaction_control);
}

TEST(PostgresCheckTest, FactoryPicksPostgresFromTheSession) {
  std::string url = testing::FreshDatabaseUrl();
  auto session = backend::Postgres().Connect(url);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::unique_ptr<ExpressionChecker> checker = ExpressionCheckerFor(**session);
  EXPECT_NE(dynamic_cast<PostgresExpressionChecker*>(checker.get()), nullptr);
  EXPECT_TRUE(
      checker->CheckExpression(kUsers, "split_part(name, ' ', 1)", kWhat, UnknownColumns::kRefuse)
          .ok());
}

}  // namespace
}  // namespace zs::sqlcheck
