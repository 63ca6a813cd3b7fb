// Issue 19.12: add_column with a volatile default (gen_random_uuid()) and
// NOT NULL ran `ADD COLUMN ... DEFAULT (gen_random_uuid()) NOT NULL`, which
// rewrites the whole table under ACCESS EXCLUSIVE. Now: ADD COLUMN with no
// default, SET DEFAULT, backfill, NOT NULL through the NOT VALID check.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.h"
#include "migration/parser.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::ops {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

std::string One(pg::Connection& conn, const std::string& sql) {
  auto rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->size() == 0) return "";
  return rows->Get(0, 0);
}

TEST(VolatileDefault, AddColumnNeverRewritesTheTableAndFillsEveryRow) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  MustRun(conn,
          "CREATE TABLE items (id int PRIMARY KEY, name text);"
          "INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) i");
  auto engine = engine::Engine::Connect(url, engine::Options{});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(engine->Init().ok());
  auto m = migration::ParseMigration(R"(name: 01_token
operations:
  - add_column:
      table: items
      column:
        name: token
        type: uuid
        nullable: false
        default: gen_random_uuid()
)",
                                     "01_token.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto plan = engine->PlanMigration(*m);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string text = engine::FormatPlan(*plan);
  EXPECT_EQ(text.find("DEFAULT (gen_random_uuid()) NOT NULL"), std::string::npos) << text;

  std::string filenode = One(conn, "SELECT pg_relation_filenode('items')");
  Status start = engine->Start(*m);
  ASSERT_TRUE(start.ok()) << start.ToString();
  // The same file: the table was not rewritten.
  EXPECT_EQ(One(conn, "SELECT pg_relation_filenode('items')"), filenode);
  EXPECT_EQ(One(conn, "SELECT count(DISTINCT token) FROM items"), "50");
  // An old client's update keeps the row's token; its insert gets one.
  std::string token = One(conn, "SELECT token FROM items WHERE id = 1");
  MustRun(conn, "UPDATE items SET name = 'renamed' WHERE id = 1");
  EXPECT_EQ(One(conn, "SELECT token FROM items WHERE id = 1"), token);
  MustRun(conn, "INSERT INTO items (id, name) VALUES (51, 'new')");
  EXPECT_EQ(One(conn, "SELECT count(*) FROM items WHERE token IS NULL"), "0");
  Status complete = engine->Complete();
  ASSERT_TRUE(complete.ok()) << complete.ToString();
  EXPECT_EQ(One(conn,
                "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass "
                "AND attname = 'token'"),
            "t");
  EXPECT_EQ(One(conn,
                "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = "
                "'items'::regclass"),
            "gen_random_uuid()");
  EXPECT_EQ(One(conn, "SELECT pg_relation_filenode('items')"), filenode);
}

}  // namespace
}  // namespace zs::ops
