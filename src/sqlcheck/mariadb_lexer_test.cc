#include "sqlcheck/mariadb_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zs::sqlcheck {
namespace {

struct GuardCase {
  std::string input;
  std::string problem;  // a fragment of the reason; "" = accepted
};

const std::vector<GuardCase> kExpressionGuardCases = {
    {"SUBSTRING_INDEX(name, ' ', 1)", ""},
    {"'a;b'", ""},
    {"\"double; quoted\"", ""},
    {"'it''s; fine'", ""},
    {"'it\\'s; fine'", ""},
    {"'back\\\\'", ""},
    {"`we;ird` + 1", ""},
    {"`a``b;c`", ""},
    {"CONCAT(prénom, ' — ü;')", ""},
    {"1--1", ""},
    {"/* plain comment */ 1", ""},
    {"'a' = 'a' OR 'x' = '|| @ := ;'", ""},
    {"1; DROP TABLE users", "`;` outside a string"},
    {"1 /*! + 41 */", "executable comment"},
    {"1 /*M! + 41 */", "executable comment"},
    {"@zeroshift_version := 'x'", "variable (`@`)"},
    {"a := 1", "assignment `:=`"},
    {"@@sql_mode", "variable (`@`)"},
    {"@`zeroshift_version`", "variable (`@`)"},
    {"1 # hidden\n", "line comment"},
    {"1 -- hidden", "line comment"},
    {"first_name || ' ' || last_name", "CONCAT(first_name, ' ', last_name)"},
    {"price::numeric", "CAST(value AS type)"},
    {"?", "placeholder"},
    {"1) , (2", "closes a parenthesis it did not open"},
    {"(1", "not balanced"},
    {"'unterminated", "unterminated string"},
    {"`unterminated", "unterminated quoted name"},
    {"1 /* unterminated", "unterminated comment"},
    {"'a\\'", "unterminated string"},
    {"RELEASE_LOCK('zeroshift:app')", "named lock"},
    {"get_lock ('x', 1)", "named lock"},
    {"   ", "empty"},
};

TEST(MariadbLexerTest, ExpressionGuardCases) {
  for (const GuardCase& c : kExpressionGuardCases) {
    std::string problem = MariadbExpressionProblem(c.input);
    if (c.problem.empty()) {
      EXPECT_EQ(problem, "") << c.input;
    } else {
      EXPECT_NE(problem.find(c.problem), std::string::npos) << c.input << " -> " << problem;
    }
  }
}

TEST(MariadbLexerTest, TypeGuardRefusesAttributesAndSecondColumns) {
  EXPECT_EQ(MariadbTypeProblem("varchar(255)"), "");
  EXPECT_EQ(MariadbTypeProblem("decimal(10, 2) unsigned"), "");
  EXPECT_EQ(MariadbTypeProblem("enum('a', 'b,c')"), "");
  EXPECT_EQ(MariadbTypeProblem("varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), "");
  EXPECT_NE(MariadbTypeProblem("int, d int").find("`,` outside parentheses"), std::string::npos);
  EXPECT_NE(MariadbTypeProblem("int NOT NULL").find("attribute `NOT`"), std::string::npos);
  EXPECT_NE(MariadbTypeProblem("int DEFAULT (SLEEP(5))").find("attribute `DEFAULT`"),
            std::string::npos);
  EXPECT_NE(MariadbTypeProblem("int) SELECT (1").find("closes a parenthesis"), std::string::npos);
  EXPECT_NE(MariadbTypeProblem("int; DROP TABLE t").find("`;`"), std::string::npos);
}

TEST(MariadbLexerTest, ReferencedColumnsAreBareNamesNotCallsNorQualified) {
  std::vector<std::string> columns = {"name", "Year", "we;ird", "id"};
  EXPECT_EQ(MariadbReferencedColumns("SUBSTRING_INDEX(NAME, ' ', 1)", columns),
            (std::vector<std::string>{"name"}));
  EXPECT_EQ(MariadbReferencedColumns("YEAR(created) + year + `we;ird` + t.id + 'name'", columns),
            (std::vector<std::string>{"Year", "we;ird"}));
  EXPECT_EQ(MariadbReferencedColumns("name = name /* id */", columns),
            (std::vector<std::string>{"name"}));
}

TEST(MariadbLexerTest, SplitsStatementsOutsideLiteralsAndRefusesSessionChanges) {
  auto split = MariadbSplitStatements(
      "-- lead\nALTER TABLE t ADD c INT; UPDATE t SET c = ';' WHERE `x;y` = \"a;\" ;\n;", "w");
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->size(), 2u);
  EXPECT_EQ((*split)[0].text, "ALTER TABLE t ADD c INT");
  EXPECT_EQ((*split)[0].first_word, "ALTER");
  EXPECT_EQ((*split)[1].text, "UPDATE t SET c = ';' WHERE `x;y` = \"a;\"");

  const std::vector<GuardCase> refused = {
      {"DELIMITER //\nCREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END//",
       "DELIMITER is a command of the mariadb client"},
      {"SET SESSION sql_mode = ''", "SET changes the session"},
      {"set @zeroshift_version = 'x'", "SET changes the session"},
      {"UPDATE t SET a = @zeroshift_version", "variable (`@`)"},
      {"SELECT 1 INTO @x", "variable (`@`)"},
      {"USE other", "USE would switch"},
      {"EXECUTE zs_check", "runs SQL zeroshift cannot check"},
      {"LOCK TABLES t WRITE", "LOCK/UNLOCK TABLES"},
      {"ALTER TABLE t ADD c INT /*! , DROP d */", "executable comment"},
      {"CREATE PROCEDURE p() BEGIN SELECT 1; END", "compound statement"},
      {"BEGIN NOT ATOMIC SELECT 1; END", "compound statement"},
      {"UPDATE t SET a = 'x", "unterminated string"},
      {" ; -- nothing\n", "no SQL statement found"},
  };
  for (const GuardCase& c : refused) {
    auto result = MariadbSplitStatements(c.input, "01_x.yaml sql up");
    ASSERT_FALSE(result.ok()) << c.input;
    EXPECT_NE(result.status().message().find(c.problem), std::string::npos)
        << c.input << " -> " << result.status().message();
    EXPECT_EQ(result.status().message().rfind("01_x.yaml sql up: ", 0), 0u);
  }
  auto begin = MariadbSplitStatements("BEGIN; UPDATE t SET a = 1; COMMIT", "w");
  ASSERT_TRUE(begin.ok()) << begin.status().ToString();
  EXPECT_EQ((*begin)[0].first_word, "BEGIN");
}

}  // namespace
}  // namespace zs::sqlcheck
