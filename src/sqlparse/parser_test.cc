#include "sqlparse/parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace zs::sqlparse {
namespace {

TEST(SqlParse, ParsesAStatementListWithExtents) {
  std::string sql = "CREATE TABLE t (id int);  ALTER TABLE t ADD COLUMN x text";
  Result<ParseTree> tree = Parse(sql);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  JsonValue stmts = tree->statements();
  ASSERT_EQ(stmts.size(), 2u);
  auto it = stmts.begin();
  JsonValue first = *it;
  JsonValue second = *++it;
  EXPECT_EQ(first["stmt"].type(), "CreateStmt");
  EXPECT_EQ(first["stmt"].inner()["relation"]["relname"].str(), "t");
  EXPECT_EQ(second["stmt"].type(), "AlterTableStmt");
  Extent a = StatementExtent(first);
  Extent b = StatementExtent(second);
  EXPECT_EQ(sql.substr(a.begin, a.length), "CREATE TABLE t (id int)");
  EXPECT_EQ(b.length, 0u);  // the last statement runs to the end of the text
  EXPECT_EQ(sql.substr(b.begin), "  ALTER TABLE t ADD COLUMN x text");  // from after the ";"
}

TEST(SqlParse, SplitsIntoTheTextsTheParserCut) {
  std::string sql = "BEGIN; -- note\nDROP TABLE t;\nSELECT 1";
  Result<ParseTree> tree = Parse(sql);
  ASSERT_TRUE(tree.ok());
  std::vector<StatementText> parts = SplitStatements(*tree, sql);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].stmt.type(), "TransactionStmt");
  EXPECT_EQ(parts[0].text, "BEGIN");
  EXPECT_EQ(parts[1].stmt.type(), "DropStmt");
  EXPECT_EQ(parts[1].text, " -- note\nDROP TABLE t");
  EXPECT_EQ(parts[2].stmt.type(), "SelectStmt");
  EXPECT_EQ(parts[2].text, "\nSELECT 1");
}

TEST(SqlParse, EmptyTextHasNoStatements) {
  Result<ParseTree> tree = Parse("  -- nothing\n");
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->statements().size(), 0u);
}

TEST(SqlParse, RejectionIsInvalidInputWithThePosition) {
  SyntaxError error;
  Result<ParseTree> tree = Parse("SELECT * FROM WHERE x", &error);
  ASSERT_FALSE(tree.ok());
  EXPECT_EQ(tree.status().code(), Code::kInvalidInput);
  EXPECT_EQ(error.message, "syntax error at or near \"WHERE\"");
  EXPECT_EQ(error.cursor, 15);
  EXPECT_EQ(tree.status().message(), "syntax error at or near \"WHERE\" at position 15");
}

TEST(SqlParse, RejectsANulByteTheCInterfaceWouldStopAt) {
  SyntaxError error;
  Result<ParseTree> tree = Parse(std::string("SELECT 1;\0DROP TABLE t", 22), &error);
  ASSERT_FALSE(tree.ok());
  EXPECT_EQ(error.message, "unexpected NUL byte");
  EXPECT_EQ(error.cursor, 10);
}

TEST(SqlParse, ValuesOutliveTheTreeTheyCameFromWhileACopyLives) {
  std::optional<ParseTree> original = *Parse("SELECT upper(name) FROM users");
  ParseTree copy = *original;
  JsonValue select = original->statements().front()["stmt"]["SelectStmt"];
  original.reset();
  EXPECT_EQ(select["fromClause"].front()["RangeVar"]["relname"].str(), "users");
  EXPECT_EQ(copy.statements().size(), 1u);
  EXPECT_FALSE(ParseTree().root().exists());
}

TEST(SqlParse, CursorCountsCharactersNotBytes) {
  std::string text = "é1ü2";  // é and ü are two bytes each
  EXPECT_EQ(CursorToByte(text, 0), 0u);
  EXPECT_EQ(CursorToByte(text, 1), 0u);
  EXPECT_EQ(CursorToByte(text, 2), 2u);
  EXPECT_EQ(CursorToByte(text, 3), 3u);
  EXPECT_EQ(CursorToByte(text, 4), 5u);
  EXPECT_EQ(CursorToByte(text, 9), text.size());
}

TEST(SqlParse, DeepNestingReadsWithoutRecursion) {
  std::string sql = "SELECT " + std::string(500, '(') + "1" + std::string(500, ')');
  Result<ParseTree> tree = Parse(sql);
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_GT(tree->root().Depth(), 5u);
}

}  // namespace
}  // namespace zs::sqlparse
