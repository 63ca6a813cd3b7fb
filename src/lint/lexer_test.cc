#include "lint/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lint/source.h"

namespace zs::lint {
namespace {

std::vector<std::string> Texts(std::string_view text) {
  std::vector<std::string> out;
  Lexer lexer(text);
  Token token;
  while (lexer.Next(token)) out.emplace_back(token.Text(text));
  return out;
}

std::vector<std::string> Statements(std::string_view text) {
  std::vector<std::string> out;
  for (const Piece& piece : SplitStatements(text).pieces) {
    out.emplace_back(text.substr(piece.begin, piece.end - piece.begin));
  }
  return out;
}

TEST(Lexer, QuotesCommentsAndOperators) {
  EXPECT_EQ(Texts("a+-- c\nb"), (std::vector<std::string>{"a", "+", "-- c", "b"}));
  EXPECT_EQ(Texts("'it''s' E'a\\'b' \"q\"\"x\" U&'d' x'ff'"),
            (std::vector<std::string>{"'it''s'", "E'a\\'b'", "\"q\"\"x\"", "U&'d'", "x'ff'"}));
  EXPECT_EQ(Texts("$a$ x $b$ y $a$ $1 a$b"),
            (std::vector<std::string>{"$a$ x $b$ y $a$", "$1", "a$b"}));
  EXPECT_EQ(Texts("/* a /* b */ c */ x::int"),
            (std::vector<std::string>{"/* a /* b */ c */", "x", "::", "int"}));
  EXPECT_EQ(Texts("1.5e-3 .5 1..2"), (std::vector<std::string>{"1.5e-3", ".5", "1", ".", ".2"}));
}

TEST(Lexer, UnterminatedRunsToTheEnd) {
  Lexer lexer("SELECT 'abc; DROP");
  Token token;
  ASSERT_TRUE(lexer.Next(token));
  ASSERT_TRUE(lexer.Next(token));
  EXPECT_EQ(token.kind, TokenKind::kString);
  EXPECT_TRUE(token.unterminated);
  EXPECT_FALSE(lexer.Next(token));
}

TEST(Split, SemicolonsOutsideQuotesCommentsAndAtomicBodies) {
  EXPECT_EQ(Statements("a; 'b;c'; -- d;\n e /* ; */ ;"),
            (std::vector<std::string>{"a;", "'b;c';", "e /* ; */ ;"}));
  EXPECT_EQ(Statements("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT CASE WHEN true THEN "
                       "1 END; SELECT 2; END; SELECT 3"),
            (std::vector<std::string>{"CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT CASE "
                                      "WHEN true THEN 1 END; SELECT 2; END;",
                                      "SELECT 3"}));
  EXPECT_EQ(Statements("BEGIN; COMMIT;"), (std::vector<std::string>{"BEGIN;", "COMMIT;"}));
  EXPECT_EQ(Statements("(; )"), (std::vector<std::string>{"(;", ")"}));
}

TEST(Split, FindsDirectiveComments) {
  SplitResult split =
      SplitStatements("-- zeroshift-lint-ignore a\nx; /* zeroshift-lint x */ -- no");
  ASSERT_EQ(split.directives.size(), 2u);
  EXPECT_EQ(split.directives[0].begin, 0u);
}

TEST(LineIndex, ColumnsCountCharacters) {
  LineIndex lines("ab\nçé x\n");
  EXPECT_EQ(lines.At(0).line, 1);
  EXPECT_EQ(lines.At(3).line, 2);
  EXPECT_EQ(lines.At(3).column, 1);
  EXPECT_EQ(lines.At(8).column, 4);  // "x" after two 2-byte characters and a space
  EXPECT_EQ(lines.Line(2), "çé x");
  EXPECT_EQ(lines.Line(9), "");
}

}  // namespace
}  // namespace zs::lint
