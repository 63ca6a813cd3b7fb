#include "engine/engine_verify_mariadb.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "engine/engine_verify.h"
#include "mysql/connection.h"
#include "testing/mariadb_session_test.h"
#include "triggers/dual_write.h"

namespace zs::engine {
namespace {

using triggers::Direction;
using triggers::TriggerSpec;

class VerifyMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
  }

  TriggerSpec Spec(Direction direction, std::vector<std::pair<std::string, std::string>> variables,
                   std::string target, std::string expression) {
    return TriggerSpec{.name = target + (direction == Direction::kUp ? "_up" : "_down"),
                       .schema = database_,
                       .table = "users",
                       .direction = direction,
                       .version_schema = database_ + "_v2",
                       .variables = std::move(variables),
                       .target_column = std::move(target),
                       .expression = std::move(expression)};
  }

  Result<std::vector<backfill::TableResult>> Verify(const std::vector<TriggerSpec>& specs,
                                                    long long batch_rows = 2) {
    backfill::VerifyOptions options{.batch_rows = batch_rows};
    return RowVerifierFor(*session_)->Verify(specs, options);
  }
};

TEST_F(VerifyMariadb, ListsEveryRowThatDiffersFromUpByteForByte) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100) NULL) "
      "COLLATE utf8mb4_general_ci");
  // 3: only the case differs, which a case-insensitive comparison would miss.
  Run("INSERT INTO users VALUES (1, 'Ann Lee', 'Ann'), (2, 'Bo Ray', 'Bo'), (3, 'Cy Doe', 'cy'), "
      "(4, 'Di Fox', NULL), (5, 'Ed Poe', 'Ed')");
  auto result = Verify(
      {Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->size(), 1u);
  const auto& table = result->front();
  EXPECT_EQ(table.rows_checked, 5);
  EXPECT_FALSE(table.marked);
  EXPECT_EQ(table.key_columns, std::vector<std::string>{"id"});
  ASSERT_EQ(table.checks.size(), 1u);
  EXPECT_EQ(table.checks[0].mismatches, 2);
  EXPECT_EQ(table.checks[0].keys, (std::vector<std::vector<std::string>>{{"3"}, {"4"}}));
  EXPECT_FALSE(table.checks[0].provable);  // one direction, no marker
}

TEST_F(VerifyMariadb, TheMarkerSaysWhichDirectionRanForARow) {
  Run(
      fmt::format("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name "
                  "VARCHAR(100) NULL, {} BOOLEAN NULL)",
                  mysql::QuoteIdentifier(triggers::MarkerColumnName())));
  // 2: written through the new version (down ran): its first_name is the
  // client's, not `up` of name. 3: up ran and disagrees. 4: not written since
  // start (NULL): checked against up.
  Run("INSERT INTO users VALUES (1, 'Ann Lee', 'Ann', 1), (2, 'Bo Ray', 'Robert', 0), "
      "(3, 'Cy Doe', 'Cyrus', 1), (4, 'Di Fox', 'Dee', NULL)");
  auto result = Verify(
      {Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  const auto& table = result->front();
  EXPECT_TRUE(table.marked);
  EXPECT_FALSE(table.trigger.empty());
  EXPECT_EQ(table.rows_checked, 4);
  EXPECT_EQ(table.checks[0].mismatches, 2);
  EXPECT_EQ(table.checks[0].keys, (std::vector<std::vector<std::string>>{{"3"}, {"4"}}));
  EXPECT_EQ(table.checks[0].skipped, 1);
  EXPECT_TRUE(table.checks[0].provable);
}

TEST_F(VerifyMariadb, WithoutMarkerARowCountsWhenTheOtherDirectionFailsToo) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100))");
  // 2: `up` holds and `down` does not (a write through the old version
  // leaves it so). 3: neither holds: no write through the triggers leaves it.
  Run("INSERT INTO users VALUES (1, 'Ann X', 'Ann'), (2, 'Bo Y', 'Bo'), (3, 'Cy Z', 'Q')");
  auto result = Verify(
      {Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)"),
       Spec(Direction::kDown, {{"first_name", "first_name"}}, "name", "CONCAT(first_name, ' X')")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  const auto& checks = result->front().checks;
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].mismatches, 1);
  EXPECT_EQ(checks[0].not_inverse, 0);
  EXPECT_EQ(checks[1].mismatches, 1);
  EXPECT_EQ(checks[1].keys, (std::vector<std::vector<std::string>>{{"3"}}));
  EXPECT_EQ(checks[1].not_inverse, 1);
  EXPECT_TRUE(checks[0].provable);
}

TEST_F(VerifyMariadb, AVariableReadsTheColumnItIsBoundTo) {
  // A `down` of alter_column reads `email` from the temporary column.
  Run("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), _zs_new_email VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'a@x', 'A@X'), (2, 'b@x', 'c@x')");
  auto result =
      Verify({Spec(Direction::kDown, {{"email", "_zs_new_email"}}, "email", "LOWER(email)")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->front().checks[0].keys, (std::vector<std::vector<std::string>>{{"2"}}));
}

TEST_F(VerifyMariadb, NeverWrites) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100))");
  Run("CREATE TABLE audit (n INT)");
  Run("INSERT INTO users VALUES (1, 'Ann Lee', 'Ann')");
  Run("CREATE FUNCTION noisy(v VARCHAR(100)) RETURNS VARCHAR(100) MODIFIES SQL DATA BEGIN "
      "INSERT INTO audit VALUES (1); RETURN SUBSTRING_INDEX(v, ' ', 1); END");
  auto result = Verify({Spec(Direction::kUp, {{"name", "name"}}, "first_name", "noisy(name)")});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("READ ONLY"), std::string::npos)
      << result.status().message();
  auto rows = conn_->Exec("SELECT COUNT(*) FROM audit");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->GetInt(0, 0), 0);
}

TEST_F(VerifyMariadb, FunctionsResolveInTheTablesDatabase) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'Ann Lee', 'Ann'), (2, 'Bo Ray', 'Bob')");
  Run("CREATE FUNCTION first_word(v VARCHAR(100)) RETURNS VARCHAR(100) DETERMINISTIC "
      "RETURN SUBSTRING_INDEX(v, ' ', 1)");
  std::string other = database_ + "_elsewhere";
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(other));
  Run("USE " + mysql::QuoteIdentifier(other));
  auto result =
      Verify({Spec(Direction::kUp, {{"name", "name"}}, "first_name", "first_word(name)")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->front().checks[0].keys, (std::vector<std::vector<std::string>>{{"2"}}));
  auto now = conn_->Exec("SELECT DATABASE()");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->Get(0, 0), other);  // the session's database is given back
  Run("DROP DATABASE " + mysql::QuoteIdentifier(other));
}

TEST_F(VerifyMariadb, ComparesAsTheColumnStoresTheValue) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, price_text VARCHAR(20), price DECIMAL(10,2), "
      "n_text VARCHAR(20), n INT UNSIGNED)");
  // DECIMAL(10,2) stores 1.005 as 1.01 (rounded), an INT stores '7' as 7.
  Run("INSERT INTO users VALUES (1, '1.005', 1.01, '7', 7), (2, '2.50', 2.49, '8', 9)");
  auto result = Verify({Spec(Direction::kUp, {{"price_text", "price_text"}}, "price", "price_text"),
                        Spec(Direction::kUp, {{"n_text", "n_text"}}, "n", "n_text")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  const auto& checks = result->front().checks;
  EXPECT_EQ(checks[0].keys, (std::vector<std::vector<std::string>>{{"2"}}));
  EXPECT_EQ(checks[1].keys, (std::vector<std::vector<std::string>>{{"2"}}));
}

TEST_F(VerifyMariadb, RefusesATableWithoutAKey) {
  Run("CREATE TABLE users (name VARCHAR(100), first_name VARCHAR(100))");
  auto result = Verify(
      {Spec(Direction::kUp, {{"name", "name"}}, "first_name", "SUBSTRING_INDEX(name, ' ', 1)")});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("users"), std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace zs::engine
