// The linter never crashes, hangs or throws, whatever the input: the same
// property fuzz/lint_fuzz.cc checks with libFuzzer, here on a fixed corpus of
// hostile inputs so that `make test` checks it too.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "lint/linter.h"
#include "lint/source.h"

namespace zs::lint {
namespace {

constexpr const char* kMigration =
    "BEGIN;\n"
    "SET LOCAL lock_timeout = '1s';\n"
    "ALTER TABLE users ADD COLUMN first_name VARCHAR(100) DEFAULT gen_random_uuid() "
    "CHECK (first_name <> '') REFERENCES people (id);\n"
    "CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN i > 0 "
    "THEN 1 END; END;\n"
    "DO $x$ BEGIN RAISE NOTICE 'a;b'; END $x$;\n"
    "UPDATE users SET first_name = split_part(name, E' \\' ', 1) WHERE id IN (SELECT id FROM "
    "users LIMIT 10);\n"
    "ALTER TABLE users ALTER COLUMN id TYPE bigint USING id::bigint, ALTER COLUMN x SET NOT "
    "NULL;\n"
    "/* nested /* comment */ ; */ CREATE INDEX CONCURRENTLY i ON users (lower(email)) WHERE "
    "deleted_at IS NULL;\n"
    "-- zeroshift-lint-ignore drop-column, nonsense\n"
    "ALTER TABLE users DROP COLUMN name; COMMIT;\n";

// Lints `text` and checks the findings point inside it.
void LintsSafely(const std::string& text, const std::string& what) {
  SCOPED_TRACE(what);
  std::vector<Finding> findings;
  ASSERT_NO_THROW(findings = LintSql(text, "hostile.sql"));
  int lines = 1;
  for (char c : text) lines += c == '\n';
  for (const Finding& f : findings) {
    EXPECT_GE(f.line, 1);
    EXPECT_LE(f.line, lines);
    EXPECT_GE(f.column, 1);
    EXPECT_FALSE(f.rule.empty());
    EXPECT_FALSE(f.message.empty());
  }
}

TEST(LintHostile, EveryPrefixOfAMigration) {
  std::string text = kMigration;
  for (size_t n = 0; n <= text.size(); ++n) LintsSafely(text.substr(0, n), std::to_string(n));
}

TEST(LintHostile, EverySuffixOfAMigration) {
  std::string text = kMigration;
  for (size_t n = 0; n <= text.size(); n += 3) LintsSafely(text.substr(n), std::to_string(n));
}

TEST(LintHostile, UnterminatedConstructs) {
  for (const char* text : {"SELECT 'abc",
                           "SELECT \"abc",
                           "SELECT $tag$ body",
                           "SELECT $$",
                           "/* never closed",
                           "/* a /* b */",
                           "SELECT E'\\",
                           "SELECT U&'x",
                           "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;",
                           "ALTER TABLE t ADD CONSTRAINT c CHECK (",
                           "$1",
                           "$",
                           "'",
                           "\"",
                           ";",
                           ";;;;",
                           "--",
                           "-",
                           "/*/",
                           "E'",
                           "U&\"",
                           "::",
                           "(((",
                           ")))"}) {
    LintsSafely(text, text);
  }
}

TEST(LintHostile, BinaryBytesAndNuls) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  LintsSafely(bytes, "every byte");
  LintsSafely(std::string("ALTER TABLE t DROP COLUMN a;\0\0\0 DROP TABLE u;", 44), "NULs");
  LintsSafely("ALTER TABLE \xff\xfe\xfd ADD COLUMN \xc3 int;", "invalid UTF-8");
  std::mt19937 random(20261124);
  for (int round = 0; round < 200; ++round) {
    std::string noise(1 + random() % 400, '\0');
    for (char& c : noise) c = static_cast<char>(random() % 256);
    LintsSafely(noise, "random " + std::to_string(round));
  }
}

TEST(LintHostile, RandomSpliceOfSqlTokens) {
  const std::vector<std::string> tokens = {
      "ALTER",  "TABLE",        "users", "ADD",   "COLUMN",  "DROP",     "CREATE",
      "INDEX",  "CONCURRENTLY", "ON",    "(",     ")",       ",",        ";",
      "'x'",    "$$",           "$a$",   "--c\n", "/*",      "*/",       "BEGIN",
      "COMMIT", "ATOMIC",       "END",   "CASE",  "UPDATE",  "SET",      "=",
      "WHERE",  "NOT",          "VALID", "CHECK", "DEFAULT", "random()", "TYPE",
      "bigint", "USING",        "1",     "::",    "\n",      " "};
  std::mt19937 random(7);
  for (int round = 0; round < 500; ++round) {
    std::string text;
    int count = 1 + static_cast<int>(random() % 60);
    for (int i = 0; i < count; ++i) text += tokens[random() % tokens.size()] + " ";
    LintsSafely(text, text);
  }
}

TEST(LintHostile, MegabyteOfParentheses) {
  LintsSafely("SELECT " + std::string(1 << 20, '(') + "1;", "open parentheses");
  LintsSafely("SELECT " + std::string(500000, '(') + "1" + std::string(500000, ')') + ";",
              "balanced parentheses");
}

// A left-deep expression as deep as the statement-size limit allows: the parser
// recurses once per operator, which needs the linter's large stack.
TEST(LintHostile, DeepExpressionsWithinAndBeyondTheLimit) {
  std::string within = "SELECT 1";
  for (uint32_t i = 0; i < kMaxStatementWeight / 2 - 10; ++i) within += "+1";
  LintsSafely(within + ";\nDROP TABLE users;", "within the limit");
  std::vector<Finding> findings = LintSql(within + ";\nDROP TABLE users;", "deep.sql");
  ASSERT_EQ(findings.size(), 3u);  // the DROP TABLE after it, and its missing timeouts
  EXPECT_EQ(findings.back().rule, "drop-table");

  std::string beyond = "SELECT 1";
  for (int i = 0; i < 400000; ++i) beyond += "+1";
  findings = LintSql(beyond + ";\nDROP TABLE users;", "deeper.sql");
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0].rule, "syntax-error");
  EXPECT_NE(findings[0].message.find("too large to analyse"), std::string::npos);
  EXPECT_EQ(findings.back().rule, "drop-table");
}

TEST(LintHostile, ManyStatementsStayFast) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text +=
        "ALTER TABLE t" + std::to_string(i % 50) + " ADD COLUMN c" + std::to_string(i) + " text;\n";
  }
  auto start = std::chrono::steady_clock::now();
  LintsSafely(text, "10 000 statements");
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0);  // ~0.1 s on a quiet machine; generous for loaded CI
}

TEST(LintHostile, LineIndexAndSplitAgreeOnOffsets) {
  std::string text = "a;\r\nb; -- c\n/* ; */ d";
  SplitResult split = SplitStatements(text);
  ASSERT_EQ(split.pieces.size(), 3u);
  LineIndex lines(text);
  EXPECT_EQ(lines.At(split.pieces[2].begin).line, 3);
  EXPECT_EQ(lines.At(split.pieces[2].begin).column, 9);
  EXPECT_EQ(lines.At(static_cast<uint32_t>(text.size()) + 10).line, 3);
}

}  // namespace
}  // namespace zs::lint
