#include "sqlcheck/expression.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace zs::sqlcheck {
namespace {

const char kWhat[] = "02_split_name.yaml:5:7 add_column users.first_name up";

struct GoodExpression {
  std::string input;
  std::string embedded;  // what ValidateExpression returns
};

const std::vector<GoodExpression> kGoodExpressions = {
    // The paren closes on the same line unless a trailing "-- comment" needs a newline.
    {"split_part(name, ' ', 1)", "(split_part(name, ' ', 1))"},
    {"first_name || ' ' || last_name", "(first_name || ' ' || last_name)"},
    {"CASE WHEN name IS NULL THEN 'x' ELSE name END",
     "(CASE WHEN name IS NULL THEN 'x' ELSE name END)"},
    {"SELECT CASE WHEN name IS NULL THEN 'x' ELSE name END",
     "(SELECT CASE WHEN name IS NULL THEN 'x' ELSE name END)"},
    {"SELECT upper(name);", "(SELECT upper(name))"},
    // pgroll's example 21: a SELECT whose value reads another table.
    {"SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE "
     "NULL END",
     "(SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE "
     "NULL END)"},
    {"(SELECT max(id) FROM other)", "((SELECT max(id) FROM other))"},
    {"EXISTS (SELECT 1 FROM t WHERE t.id = id)", "(EXISTS (SELECT 1 FROM t WHERE t.id = id))"},
    {"price::numeric(10, 2)", "(price::numeric(10, 2))"},
    {"CAST(age AS bigint)", "(CAST(age AS bigint))"},
    {"1 -- trailing comment", "(1 -- trailing comment\n)"},
    {"/* block */ 1", "(/* block */ 1)"},
    {"'a;b'", "('a;b')"},
    {"$$x; DROP TABLE t$$", "($$x; DROP TABLE t$$)"},
    {"(1) + (2)", "((1) + (2))"},
    {"coalesce(a, b, 0) > 3 AND NOT flag", "(coalesce(a, b, 0) > 3 AND NOT flag)"},
    {"  lower(email)  ", "(  lower(email))"},
    {"now()", "(now())"},
    {"ARRAY[1, 2, 3]", "(ARRAY[1, 2, 3])"},
    {"\"Mixed Case\" + 1", "(\"Mixed Case\" + 1)"},
    // Smuggling inside comments stays inside them: the text is inert.
    {"1 -- ) ; DROP TABLE t; SELECT (1", "(1 -- ) ; DROP TABLE t; SELECT (1\n)"},
    {"1 /* ) ; DROP TABLE t; */ ) + (2", "(1 /* ) ; DROP TABLE t; */ ) + (2)"},
};

void PrintTo(const GoodExpression& c, std::ostream* os) { *os << c.input; }

class GoodExpressionTest : public ::testing::TestWithParam<GoodExpression> {};

TEST_P(GoodExpressionTest, IsAcceptedAndEmbeddedInParentheses) {
  Result<std::string> result = ValidateExpression(GetParam().input, kWhat);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, GetParam().embedded);
}

INSTANTIATE_TEST_SUITE_P(Table, GoodExpressionTest, ::testing::ValuesIn(kGoodExpressions));

struct BadExpression {
  std::string input;
  std::string message_part;  // a piece the error message must contain
};

const std::vector<BadExpression> kBadExpressions = {
    {"", "is empty"},
    {"   \n\t", "is empty"},
    {"x; DROP TABLE t", "syntax error at or near \";\" at position 2"},
    {"1) ; DROP TABLE t; SELECT (1", "is not a single SQL expression"},
    {"1), (2", "more than one value"},
    {"1) FROM t WHERE (true", "clauses around the value"},
    {"1) UNION SELECT (2", "clauses around the value"},
    {"1) AS x, (2", "is not a single SQL expression"},
    {"1) ORDER BY (1", "clauses around the value"},
    {"(1", "at end of expression"},
    {"1)", "syntax error"},
    {"split_part(name, ' ', 1", "at end of expression"},
    {"SELECT 1; DROP TABLE t", "is not a single SQL expression"},
    {"SELECT 1, 2", "must return exactly one column"},
    {"(SELECT a, b FROM t)", "must return exactly one column"},
    {"DROP TABLE t", "is not a single SQL expression"},
    {"'unterminated", "unterminated quoted string"},
    {"-- only a comment", "syntax error"},
    {"1 +", "at end of expression"},
    // The parser reads a C string: it would have stopped at the NUL and seen only "SELECT (1)".
    {std::string("1)\0; DROP TABLE users; --", 25), "unexpected NUL byte at position 3"},
};

void PrintTo(const BadExpression& c, std::ostream* os) { *os << c.input; }

class BadExpressionTest : public ::testing::TestWithParam<BadExpression> {};

TEST_P(BadExpressionTest, IsRejectedWithAMessageNamingTheCulprit) {
  Result<std::string> result = ValidateExpression(GetParam().input, kWhat);
  ASSERT_FALSE(result.ok()) << "accepted: " << *result;
  EXPECT_EQ(result.status().code(), Code::kInvalidInput);
  const std::string& message = result.status().message();
  EXPECT_NE(message.find(kWhat), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().message_part), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Table, BadExpressionTest, ::testing::ValuesIn(kBadExpressions));

TEST(ValidateExpressionTest, MessageQuotesTheExpressionAndSaysWhatToDo) {
  Result<std::string> result = ValidateExpression("x; DROP TABLE t", kWhat);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            std::string(kWhat) +
                ": `x; DROP TABLE t` is not a single SQL expression: syntax error at or near "
                "\";\" at position 2; write one value expression such as `split_part(name, ' ', "
                "1)`, or a single `SELECT <expression>`, with no `;` and no further statements");
}

// Found by fuzz/expression_fuzz.cc: the parser saw the text up to the NUL,
// "SELECT (SELECT t.name) -0/ t", so the expression passed, and the text it
// returned for embedding, which has one "(" more before the NUL, then failed.
TEST(ValidateExpressionTest, NulByteIsRejectedByEveryChecker) {
  const std::string found("SELECT t.name) -0/ t\0\0\0\0\0\0\0H\0Hing", 33);
  Result<std::string> result = ValidateExpression(found, kWhat);
  ASSERT_FALSE(result.ok()) << "accepted: " << *result;
  EXPECT_NE(result.status().message().find("unexpected NUL byte at position 21"), std::string::npos)
      << result.status().message();
  const std::string statements("SELECT 1;\0DROP TABLE t", 22);
  EXPECT_FALSE(ValidateStatements(statements, kWhat).ok());
  EXPECT_FALSE(SplitStatements(statements, kWhat).ok());
  EXPECT_FALSE(ReferencedColumns(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ReferencedColumns(std::string("a\0b", 3), "t").ok());
  EXPECT_FALSE(ValidateTypeName(std::string("int\0[]", 6), kWhat).ok());
  EXPECT_FALSE(ValidateOptionList(std::string("fillfactor = 70\0)", 17), kWhat).ok());
  EXPECT_FALSE(ValidateSequenceOptions(std::string("START 1\0", 8), kWhat).ok());
  EXPECT_FALSE(ValidateExcludeElements(std::string("room WITH =\0", 12), kWhat).ok());
}

struct ColumnsCase {
  std::string expression;
  std::vector<std::string> columns;
};

const std::vector<ColumnsCase> kColumnsCases = {
    {"split_part(name, ' ', 1)", {"name"}},
    {"first_name || ' ' || last_name", {"first_name", "last_name"}},
    {"users.name || name", {"name"}},
    {"b + a + b", {"b", "a"}},
    {"CASE WHEN z IS NULL THEN y ELSE x END", {"z", "y", "x"}},
    {"count(*)", {}},
    {"42", {}},
    {"SELECT CASE WHEN name IS NULL THEN 'x' ELSE name END", {"name"}},
    {"\"Mixed Case\"::text", {"Mixed Case"}},
};

void PrintTo(const ColumnsCase& c, std::ostream* os) { *os << c.expression; }

class ReferencedColumnsTest : public ::testing::TestWithParam<ColumnsCase> {};

TEST_P(ReferencedColumnsTest, ListsColumnsInTextOrder) {
  Result<std::vector<std::string>> result = ReferencedColumns(GetParam().expression);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, GetParam().columns);
}

INSTANTIATE_TEST_SUITE_P(Table, ReferencedColumnsTest, ::testing::ValuesIn(kColumnsCases));

TEST(ReferencedColumnsTest, RejectsInvalidExpression) {
  EXPECT_FALSE(ReferencedColumns("x; DROP TABLE t").ok());
}

// Example 21 of pgroll: `users.id` is a column of the subquery's table, not of posts.
TEST(ReferencedColumnsOfTableTest, SkipsNamesQualifiedByAnotherRelation) {
  auto result = ReferencedColumns(
      "SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE users.id = user_id) THEN user_id ELSE "
      "NULL END",
      "posts");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, (std::vector<std::string>{"user_id"}));
}

TEST(ReferencedColumnsOfTableTest, BindsUnqualifiedAndOwnTableNames) {
  auto result = ReferencedColumns("posts.title || u.name || body || public.posts.id", "posts");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, (std::vector<std::string>{"title", "body", "id"}));
  EXPECT_FALSE(ReferencedColumns("x; DROP TABLE t", "t").ok());
}

TEST(ValidateStatementsTest, CountsStatements) {
  Result<int> one = ValidateStatements("CREATE INDEX i ON t (a)", kWhat);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 1);
  Result<int> three =
      ValidateStatements("UPDATE t SET a = 1; -- c\nDELETE FROM t; SELECT ';' AS x;", kWhat);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(*three, 3);
}

TEST(ValidateStatementsTest, RejectsSyntaxErrorWithPosition) {
  Result<int> result = ValidateStatements("SELECT 1; SELEC 2", kWhat);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("at position 11"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find(kWhat), std::string::npos);
}

TEST(ValidateStatementsTest, RejectsEmptyAndCommentOnly) {
  EXPECT_FALSE(ValidateStatements("", kWhat).ok());
  EXPECT_FALSE(ValidateStatements("  -- nothing\n", kWhat).ok());
}

const std::vector<std::string> kGoodTypes = {
    "text",   "varchar(255)",     "timestamp with time zone", "text[]",         "numeric(10, 2)",
    "bigint", "double precision", "character varying(100)",   "public.my_enum", "int[][]",
};

class GoodTypeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodTypeTest, IsAccepted) {
  Status status = ValidateTypeName(GetParam(), kWhat);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

INSTANTIATE_TEST_SUITE_P(Table, GoodTypeTest, ::testing::ValuesIn(kGoodTypes));

const std::vector<std::string> kBadTypes = {
    "",        "int; drop table x", "int -- NOT NULL",   "int /* x */", "int AS x", "int FROM t",
    "int + 1", "int::text",         "int COLLATE \"C\"", "varchar(",    "int, 1",
};

class BadTypeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadTypeTest, IsRejected) {
  Status status = ValidateTypeName(GetParam(), kWhat);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kInvalidInput);
  EXPECT_NE(status.message().find(kWhat), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("is not a type name"), std::string::npos) << status.message();
}

INSTANTIATE_TEST_SUITE_P(Table, BadTypeTest, ::testing::ValuesIn(kBadTypes));

TEST(ValidateIdentifierTest, AcceptsPlainNames) {
  for (const char* name : {"users", "first_name", "Users2", "ünïcode", "a-b",
                           "a23456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_TRUE(ValidateIdentifier(name, kWhat).ok()) << name;
  }
}

struct BadIdentifier {
  std::string name;
  std::string message_part;
};

const std::vector<BadIdentifier> kBadIdentifiers = {
    {"", "empty"},
    {std::string(64, 'a'), "at most 63 bytes"},
    {"a\"b", "a double quote"},
    {"a b", "a space"},
    {"a;b", "a semicolon"},
    {"a\tb", "a tab"},
    {"a\nb", "a line break"},
    {std::string("a\x01", 2), "a control character (0x01)"},
};

void PrintTo(const BadIdentifier& c, std::ostream* os) { *os << c.name; }

class BadIdentifierTest : public ::testing::TestWithParam<BadIdentifier> {};

TEST_P(BadIdentifierTest, IsRejectedNamingTheCharacter) {
  Status status = ValidateIdentifier(GetParam().name, kWhat);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kInvalidInput);
  EXPECT_NE(status.message().find(kWhat), std::string::npos) << status.message();
  EXPECT_NE(status.message().find(GetParam().message_part), std::string::npos) << status.message();
}

INSTANTIATE_TEST_SUITE_P(Table, BadIdentifierTest, ::testing::ValuesIn(kBadIdentifiers));

TEST(ValidateIdentifierTest, SaysIdentifiersMustBePlainNames) {
  Status status = ValidateIdentifier("a;b", kWhat);
  EXPECT_NE(status.message().find("identifiers must be plain names"), std::string::npos)
      << status.message();
}

// Parse trees nest as deep as the SQL does; a 10 000-term `up` once crashed
// validate, plan and start (SIGSEGV) in the recursive collection of column
// references. Too deep is now an error naming the culprit.
TEST(ExpressionDepthTest, TooDeepIsAnErrorNotACrash) {
  std::string sum = "1";
  for (int i = 0; i < 10000; ++i) sum += "+1";
  std::string calls;
  for (int i = 0; i < 1000; ++i) calls += "abs(";
  calls += "1";
  for (int i = 0; i < 1000; ++i) calls += ")";
  for (const std::string& deep : {sum, calls}) {
    Result<std::string> checked = ValidateExpression(deep, "m.yaml:4:11 add_column users.c up");
    ASSERT_FALSE(checked.ok());
    EXPECT_NE(checked.status().message().find("m.yaml:4:11"), std::string::npos)
        << checked.status().message().substr(0, 200);
    EXPECT_NE(checked.status().message().find("nests too deeply"), std::string::npos)
        << checked.status().message().substr(0, 200);
    EXPECT_FALSE(ReferencedColumns(deep).ok());
    EXPECT_FALSE(ReferencedColumns(deep, "users").ok());
    EXPECT_FALSE(ValidateStatements("SELECT " + deep, "m.yaml:4:11 sql up").ok());
  }
}

// Within the bound, long flat expressions still work, and the iterative walk
// finds their columns in text order.
TEST(ExpressionDepthTest, LongExpressionsWithinTheBoundWork) {
  std::string sum = "b";
  for (int i = 0; i < 500; ++i) sum += "+a";
  sum += "+users.c+other.d";
  ASSERT_TRUE(ValidateExpression(sum, "m.yaml:4:11 up").ok());
  Result<std::vector<std::string>> all = ReferencedColumns(sum);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<std::string>{"b", "a", "c", "d"}));
  Result<std::vector<std::string>> own = ReferencedColumns(sum, "users");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(*own, (std::vector<std::string>{"b", "a", "c"}));
}

}  // namespace
}  // namespace zs::sqlcheck
