#include "pg/quote.h"

#include <gtest/gtest.h>

#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::pg {
namespace {

TEST(QuoteTest, QuotesIdentifiers) {
  EXPECT_EQ(QuoteIdent("users"), "\"users\"");
  EXPECT_EQ(QuoteIdent("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(QuoteIdent(""), "\"\"");
  EXPECT_EQ(QualifiedName("public_02", "Users"), "\"public_02\".\"Users\"");
  EXPECT_EQ(QuoteIdentList({"a", "b\"c"}), "\"a\", \"b\"\"c\"");
  EXPECT_EQ(QuoteIdentList({}), "");
}

TEST(QuoteTest, QuotesLiterals) {
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral("back\\slash"), "'back\\slash'");
  EXPECT_EQ(QuoteLiteral(""), "''");
}

// The quoted text must mean to PostgreSQL exactly the name it was given.
TEST(QuoteIntegrationTest, NamesSurviveTheRoundTrip) {
  Result<Connection> conn = Connection::Open(zs::testing::FreshDatabaseUrl());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  const std::vector<std::string> names = {"we\"ird", "Mixed Case", "ñandú_表",     "select",
                                          "a.b",     "\"\"",       "semi;colon --"};
  ASSERT_TRUE(conn->Run("CREATE SCHEMA " + QuoteIdent("Sch\"ema ü")).ok());
  for (const auto& name : names) {
    std::string table = QualifiedName("Sch\"ema ü", name);
    ASSERT_TRUE(conn->Run("CREATE TABLE " + table + " (" + QuoteIdent(name) + " text)").ok())
        << name;
    ASSERT_TRUE(conn->Run("INSERT INTO " + table + " VALUES (" + QuoteLiteral(name) + ")").ok());
    Result<Rows> rows = conn->ExecParams(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1"
        " WHERE n.nspname = $1 AND c.relname = $2",
        {"Sch\"ema ü", name});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ(rows->size(), 1) << name;
    EXPECT_EQ(rows->Get(0, 0), name);
    EXPECT_EQ(rows->Get(0, 1), name);
    Result<Rows> value = conn->Exec("SELECT " + QuoteIdent(name) + " FROM " + table);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    EXPECT_EQ(value->Get(0, 0), name);
  }
}

TEST(QuoteIntegrationTest, LiteralsSurviveTheRoundTrip) {
  Result<Connection> conn = Connection::Open(zs::testing::SharedCluster().Url());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  for (std::string value : {"it's", "back\\slash\\'", "''", "ünï ☃", "$$dollar$$", "--"}) {
    Result<Rows> rows = conn->Exec("SELECT " + QuoteLiteral(value));
    ASSERT_TRUE(rows.ok()) << value << ": " << rows.status().ToString();
    EXPECT_EQ(rows->Get(0, 0), value);
  }
  Result<Rows> list = conn->Exec("SELECT ARRAY[" + QuoteIdentList({"x", "y\"z"}) + "]::text");
  EXPECT_FALSE(list.ok());  // identifiers are not values: proves they were not literals
  EXPECT_EQ(list.status().sqlstate(), "42703");
}

}  // namespace
}  // namespace zs::pg
