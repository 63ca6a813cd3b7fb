// The README's "Connecting applications" recipes, as written there, against a
// real PostgreSQL: each line is read from the README itself, so the README
// cannot drift from what works. Covered where a client library is at hand:
// the SQL statement (psql, any SQL) and the libpq connection URL and
// `options` keyword (what psycopg, Django, SQLAlchemy, Prisma and the Go and
// Rust drivers pass to the server as the startup option `search_path`).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "engine/engine.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::versions {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

using zs::testing::ReadFile;

std::string One(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty()) return "<none>";
  return rows->Get(0, 0);
}

// The text between backquotes in the README's recipe row for `client`.
std::string Recipe(const std::string& client) {
  std::string readme = ReadFile(std::string(zs::testing::SourceDir()) + "/README.md");
  std::smatch match;
  std::regex row("\\n\\| " + client + "[^|]*\\| `([^`]+)`");
  if (!std::regex_search(readme, match, row)) return "";
  return match[1].str();
}

class ConnectRecipes : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    pg::Connection admin = Open(url_);
    MustRun(admin,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO users (name) VALUES ('Ada Lovelace'), ('Jean Claude Van Damme')");
    Result<engine::Engine> engine = engine::Engine::Connect(url_, engine::Options{});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    ASSERT_TRUE(engine->Init().ok());
    std::string path = std::string(zs::testing::SourceDir()) + "/examples/02_split_name.yaml";
    Result<migration::Migration> split = migration::ParseMigration(ReadFile(path), path);
    ASSERT_TRUE(split.ok()) << split.status().ToString();
    Status started = engine->Start(*split);
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // A client on the new version reads and writes the new shape, and finds
  // the functions of `public` (nextval of the id's sequence, through the view's default).
  static void ExpectNewVersion(pg::Connection& client) {
    EXPECT_EQ(One(client, "SELECT pg_catalog.current_schemas(false)::text"),
              "{public_02_split_name,public}");
    EXPECT_EQ(One(client, "SELECT last_name FROM users WHERE first_name = 'Jean'"),
              "Claude Van Damme");
    MustRun(client, "INSERT INTO users (first_name, last_name) VALUES ('Grace', 'Hopper')");
    EXPECT_EQ(One(client,
                  "SELECT count(*) FROM public.users WHERE name = "
                  "'Grace Hopper'"),
              "1");
  }

  std::string url_;
};

TEST_F(ConnectRecipes, SqlStatementSelectsTheVersion) {
  std::string statement = Recipe("psql, any SQL");
  ASSERT_EQ(statement, "SET search_path TO public_02_split_name, public");
  pg::Connection client = Open(url_);
  MustRun(client, statement);
  ExpectNewVersion(client);
}

TEST_F(ConnectRecipes, LibpqUrlOptionsSelectTheVersion) {
  std::string recipe = Recipe("libpq URL");
  size_t query = recipe.find('?');
  ASSERT_NE(query, std::string::npos) << recipe;
  // The README's URL with this test server's host, port and database.
  pg::Connection client = Open(url_ + recipe.substr(query));
  ExpectNewVersion(client);
}

TEST_F(ConnectRecipes, OptionsKeywordOfDjangoAndSqlAlchemySelectsTheVersion) {
  std::string django = Recipe("Django");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(django, match, std::regex("'options': '([^']+)'"))) << django;
  std::string options = match[1].str();
  EXPECT_NE(Recipe("SQLAlchemy").find("'options': '" + options + "'"), std::string::npos);
  // libpq's `options` keyword, as psycopg passes it; spaces in a URL value are %20.
  std::string encoded = std::regex_replace(options, std::regex(" "), "%20");
  encoded = std::regex_replace(encoded, std::regex("="), "%3D");
  pg::Connection client = Open(url_ + "?options=" + encoded);
  ExpectNewVersion(client);
}

}  // namespace
}  // namespace zs::versions
