#include "sqlcheck/mariadb_check.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "testing/shared_mariadb.h"

namespace zs::sqlcheck {
namespace {

const char kWhat[] = "02_split_name.yaml:5:7 add_column users.first_name up";

// The table the expressions read, as the virtual schema describes it.
const VisibleTable kUsers = {"users",
                             {{"id", "int(11)"},
                              {"name", "varchar(255)"},
                              {"we;ird", "int"},
                              {"prénom", "text"},
                              {"score", "decimal(10,2)"},
                              {"born", "datetime(6)"}}};

struct ExpressionCase {
  std::string input;
  // A fragment of the error; "" = accepted.
  std::string error;
  std::vector<std::string> columns = {};  // when accepted
};

// Hostile and ordinary inputs, as data.
const std::vector<ExpressionCase> kExpressionCases = {
    {"SUBSTRING_INDEX(name, ' ', 1)", "", {"name"}},
    {"1; DROP TABLE users", "`;` outside a string"},
    {"1 /*! + 41 */", "executable comment"},
    {"1 /*M!100000 + 41 */", "executable comment"},
    {"@zeroshift_version := 'x'", "variable (`@`)"},
    {"IF(@zeroshift_version = 'x', 1, 2)", "variable (`@`)"},
    {"SLEEP(3)", "", {}},
    {"CONCAT(name, ';') = 'x;y'", "", {"name"}},
    {"'it''s; fine' = name OR \"a;b\" = 'it\\'s;'", "", {"name"}},
    {"`we;ird` + 1", "", {"we;ird"}},
    {"CONCAT(prénom, ' — ünïcödé ;')", "", {"prénom"}},
    {"name || 'x'", "CONCAT(first_name, ' ', last_name)"},
    {"split_part(name, ' ', 1)", "use SUBSTRING_INDEX(name, ' ', 1) instead of split_part"},
    {"nickname", "refers to column \"nickname\", which table \"users\" does not have"},
    {"users.name", "refers to `users.name` (table \"users\"): on MariaDB write the column"},
    {"name +", "syntax error at its end"},
    {"CASE name WHEN 'a' THEN 1 ELSE END", "syntax error at its end"},  // END is a name here
    {"name + * 2", "syntax error at `* 2` (position 8)"},
    {"no_such_function(1)", "calls no_such_function() (table \"users\"), which MariaDB does not"},
    {"name::text", "CAST(value AS type)"},
    {"CAST(score AS CHAR) + YEAR(born) + id", "", {"score", "born", "id"}},
    {"(SELECT COUNT(*) FROM no_such_table)", "doesn't exist"},
    {"1) , (2", "closes a parenthesis it did not open"},
    {"UPPER(\"Name\")", "has \"name\" (table \"users\"), which MariaDB reads as a string"},
    {"CONCAT(name, \"x\")", "", {"name"}},
    {"", "it is empty; write one value expression"},
    {"1; 2;", "`;` outside a string"},
};

class MariadbCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshMariadbDatabaseUrl();
    Result<mysql::Connection> conn = mysql::Connection::Open(url_);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::make_unique<mysql::Connection>(std::move(conn).value());
    checker_ = std::make_unique<MariadbExpressionChecker>(*conn_);
  }

  long long SessionStatus(const std::string& name) {
    Result<mysql::Rows> rows = conn_->Exec("SHOW SESSION STATUS LIKE '" + name + "'");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && !rows->empty() ? std::stoll(rows->Get(0, 1)) : -1;
  }

  std::string url_;
  std::unique_ptr<mysql::Connection> conn_;
  std::unique_ptr<MariadbExpressionChecker> checker_;
};

TEST_F(MariadbCheckTest, ExpressionCases) {
  for (const ExpressionCase& c : kExpressionCases) {
    Result<CheckedExpression> checked =
        checker_->CheckExpression(kUsers, c.input, kWhat, UnknownColumns::kRefuse);
    if (c.error.empty()) {
      ASSERT_TRUE(checked.ok()) << c.input << " -> " << checked.status().ToString();
      EXPECT_EQ(checked->embedded, "(" + c.input + ")");
      EXPECT_EQ(checked->columns, c.columns) << c.input;
      EXPECT_TRUE(checked->unknown_columns.empty());
    } else {
      ASSERT_FALSE(checked.ok()) << c.input;
      const std::string& message = checked.status().message();
      EXPECT_EQ(checked.status().code(), Code::kInvalidInput) << message;
      EXPECT_NE(message.find(c.error), std::string::npos) << c.input << " -> " << message;
      EXPECT_EQ(message.rfind(std::string(kWhat) + ": ", 0), 0u) << message;
      EXPECT_EQ(message.find("MariaDB error"), std::string::npos) << message;
    }
  }
  // Nothing was dropped: the `;` never reached the server.
  EXPECT_TRUE(conn_->Run("CREATE TABLE users (id INT)").ok());
  EXPECT_TRUE(conn_->Run("SELECT COUNT(*) FROM users").ok());
}

TEST_F(MariadbCheckTest, ALoneSelectAndOneFinalSemicolonAsOnPostgres) {
  auto checked = checker_->CheckExpression(kUsers, "SELECT UPPER(name); -- done\n", kWhat,
                                           UnknownColumns::kRefuse);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->embedded, "(SELECT UPPER(name))");
  EXPECT_EQ(checked->columns, (std::vector<std::string>{"name"}));
}

TEST_F(MariadbCheckTest, SuggestionsNameTheColumnAndTheTable) {
  auto split =
      checker_->CheckExpression(kUsers, "split_part(name, ' ', 1)", kWhat, UnknownColumns::kRefuse);
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().message(),
            std::string(kWhat) +
                ": `split_part(name, ' ', 1)` calls split_part() (table \"users\"), which MariaDB "
                "does not have; use SUBSTRING_INDEX(name, ' ', 1) instead of split_part (the "
                "first part; SUBSTRING_INDEX(SUBSTRING_INDEX(name, ' ', n), ' ', -1) for the "
                "n-th)");
  auto unknown =
      checker_->CheckExpression(kUsers, "UPPER(nickname)", kWhat, UnknownColumns::kRefuse);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            std::string(kWhat) +
                ": `UPPER(nickname)` refers to column \"nickname\", which table \"users\" does "
                "not have in the version it reads (columns: id, name, we;ird, prénom, score, "
                "born)");
}

TEST_F(MariadbCheckTest, PreparesButNeverExecutes) {
  const long long executed = SessionStatus("Com_execute_sql");
  const long long prepared = SessionStatus("Com_prepare_sql");
  const long long selects = SessionStatus("Com_select");
  auto checked = checker_->CheckExpression(kUsers, "SLEEP(3) + BENCHMARK(1000000000, MD5(name))",
                                           kWhat, UnknownColumns::kRefuse);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(SessionStatus("Com_execute_sql"), executed);
  EXPECT_EQ(SessionStatus("Com_prepare_sql"), prepared + 1);
  // The sql_mode check is the only SELECT the check ran.
  EXPECT_EQ(SessionStatus("Com_select"), selects + 1);
  // And the statement is gone.
  Status execute = conn_->Run("EXECUTE zs_check");
  EXPECT_FALSE(execute.ok());
  EXPECT_EQ(mysql::ErrorNumber(execute), 1243) << execute.ToString();  // unknown statement
}

TEST_F(MariadbCheckTest, ReportsUnknownColumnsWhenAskedTo) {
  auto checked = checker_->CheckExpression(kUsers, "CONCAT(nickname, name, `nick 2`)", kWhat,
                                           UnknownColumns::kReport);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->columns, (std::vector<std::string>{"name"}));
  EXPECT_EQ(checked->unknown_columns, (std::vector<std::string>{"nickname", "nick 2"}));
  // Still refused: what is not a column.
  EXPECT_FALSE(
      checker_
          ->CheckExpression(kUsers, "split_part(nickname, ' ', 1)", kWhat, UnknownColumns::kReport)
          .ok());
}

TEST_F(MariadbCheckTest, RequiresThePinnedSqlMode) {
  ASSERT_TRUE(conn_->Run("SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT'").ok());
  auto checked = checker_->CheckExpression(kUsers, "name", kWhat, UnknownColumns::kRefuse);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.status().message().find("sql_mode"), std::string::npos);
  EXPECT_FALSE(checker_->CheckType("int", kWhat).ok());
  EXPECT_FALSE(checker_->CheckStatements("SELECT 1", kWhat).ok());
}

struct TypeCase {
  std::string input;
  std::string error;  // "" = accepted
};

TEST_F(MariadbCheckTest, TypeCases) {
  const std::vector<TypeCase> cases = {
      {"varchar(255)", ""},
      {"INT UNSIGNED", ""},
      {"decimal(10, 2)", ""},
      {"datetime(6)", ""},
      {"enum('a', 'b;c')", ""},
      {"varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", ""},
      {"varchr(10)", "Unknown data type: 'varchr'"},
      {"varchar", "syntax error"},
      {"decimal(70, 2)", "Too big precision"},
      {"varchar(10) CHARACTER SET nosuch", "nosuch"},
      {"int NOT NULL", "attribute `NOT`"},
      {"int; DROP TABLE t", "`;`"},
      {"text[]", "syntax error"},
      // Measured: PREPARE finds all these but the first two, which only creating finds.
      {"varchar(70000)", "Column length too big"},
      {"enum('a', 'a')", "duplicated value 'a' in ENUM"},
      {"int(300)", "Display width out of range"},
      {"char(300)", "Column length too big"},
      {"varchar(10) CHARACTER SET latin1 COLLATE utf8mb4_bin", "is not valid for CHARACTER SET"},
      {"datetime(7)", "Too big precision"},
  };
  for (const TypeCase& c : cases) {
    Status status = checker_->CheckType(c.input, kWhat);
    if (c.error.empty()) {
      EXPECT_TRUE(status.ok()) << c.input << " -> " << status.ToString();
    } else {
      ASSERT_FALSE(status.ok()) << c.input;
      EXPECT_NE(status.message().find(c.error), std::string::npos)
          << c.input << " -> " << status.message();
      EXPECT_NE(status.message().find("is not a MariaDB column type"), std::string::npos);
    }
  }
  // The check leaves no table behind.
  Result<mysql::Rows> left = conn_->Exec("SHOW TABLES");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(MariadbCheckTest, StatementsOneEachPreparedForTheirSyntax) {
  auto statements = checker_->CheckStatements(
      "ALTER TABLE users ADD COLUMN c INT; -- then\nINSERT INTO not_created_yet VALUES (';');\n"
      "BEGIN; COMMIT",
      kWhat);
  ASSERT_TRUE(statements.ok()) << statements.status().ToString();
  ASSERT_EQ(statements->size(), 4u);
  EXPECT_EQ((*statements)[0].text, "ALTER TABLE users ADD COLUMN c INT");
  EXPECT_EQ((*statements)[1].text, "INSERT INTO not_created_yet VALUES (';')");
  EXPECT_FALSE((*statements)[1].transaction_control);
  EXPECT_TRUE((*statements)[1].outside_transaction);
  EXPECT_TRUE((*statements)[2].transaction_control);
  EXPECT_TRUE((*statements)[3].transaction_control);

  auto syntax =
      checker_->CheckStatements("ALTER TABLE users ADD COLUMN c INT;\nALTR TABLE x", kWhat);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("`ALTR TABLE x` does not parse on MariaDB: syntax "
                                           "error at `ALTR TABLE x`"),
            std::string::npos)
      << syntax.status().message();
  auto delimiter = checker_->CheckStatements("DELIMITER $$\nCREATE TRIGGER ...$$", kWhat);
  ASSERT_FALSE(delimiter.ok());
  EXPECT_NE(delimiter.status().message().find("DELIMITER is a command of the mariadb client"),
            std::string::npos);
  // Nothing ran.
  Result<mysql::Rows> left = conn_->Exec("SHOW TABLES");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(MariadbCheckTest, FactoryPicksMariadbFromTheSession) {
  Result<const backend::Backend*> backend = backend::MariadbBackendForUrl(url_);
  ASSERT_TRUE(backend.ok());
  auto session = (*backend)->Connect(url_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::unique_ptr<ExpressionChecker> checker = ExpressionCheckerFor(**session);
  EXPECT_NE(dynamic_cast<MariadbExpressionChecker*>(checker.get()), nullptr);
  auto split =
      checker->CheckExpression(kUsers, "split_part(name, ' ', 1)", kWhat, UnknownColumns::kRefuse);
  EXPECT_FALSE(split.ok());
}

TEST_F(MariadbCheckTest, Identifiers) {
  EXPECT_TRUE(checker_->CheckIdentifier("first_name", kWhat).ok());
  EXPECT_TRUE(checker_->CheckIdentifier("prénom", kWhat).ok());
  EXPECT_TRUE(checker_->CheckIdentifier(std::string(64, 'a'), kWhat).ok());
  const std::vector<TypeCase> refused = {
      {"", "empty name"},
      {std::string(65, 'a'), "65 characters long"},
      {"a`b", "contains a backtick at position 2"},
      {"a;b", "contains `;` at position 2"},
      {"a b", "contains ` ` at position 2"},
      {"smile\xF0\x9F\x98\x80", "Basic Multilingual Plane"},
  };
  for (const TypeCase& c : refused) {
    Status status = checker_->CheckIdentifier(c.input, kWhat);
    ASSERT_FALSE(status.ok()) << c.input;
    EXPECT_NE(status.message().find(c.error), std::string::npos) << status.message();
    EXPECT_EQ(status.message().rfind(std::string(kWhat) + ": ", 0), 0u) << status.message();
  }
}

TEST(MariadbCastTargetTest, FamiliesOfTypes) {
  EXPECT_EQ(MariadbCastTarget("varchar(255)"), "CHAR");
  EXPECT_EQ(MariadbCastTarget("int(11) unsigned"), "UNSIGNED");
  EXPECT_EQ(MariadbCastTarget("BIGINT"), "SIGNED");
  EXPECT_EQ(MariadbCastTarget("decimal(10,2)"), "DECIMAL(10,2)");
  EXPECT_EQ(MariadbCastTarget("datetime(6)"), "DATETIME(6)");
  EXPECT_EQ(MariadbCastTarget("json"), "CHAR");
  EXPECT_EQ(MariadbCastTarget("blob"), "BINARY");
}

}  // namespace
}  // namespace zs::sqlcheck
