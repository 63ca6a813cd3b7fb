// Privileges, name resolution and session state (SAFETY.md invariants 4 and
// 6): the application connects as a role with table grants only, a role with
// column grants only, and a low-privilege role with CREATE on public tries to
// make zeroshift run its function. zeroshift itself runs as the superuser.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/resolve.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "pg/session.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using test_util::SplitName;
using zs::testing::MustParseMigration;
using zs::testing::MustRun;
using zs::testing::Open;

Engine Connect(const std::string& url, const std::string& schema = "public") {
  Options options;
  options.schema = schema;
  return test_util::MustConnectAndInit(url, std::move(options));
}

// Roles are cluster-wide and tests share the cluster: created once.
void EnsureRole(pg::Connection& admin, const std::string& role) {
  MustRun(admin, fmt::format("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                             "'{0}') THEN CREATE ROLE {0} LOGIN; END IF; END $$",
                             role));
}

// The database URL as `role` (the test cluster trusts loopback).
std::string UrlAs(const std::string& url, const std::string& role) {
  std::string out = url;
  size_t at = out.find("postgres@");
  EXPECT_NE(at, std::string::npos) << url;
  out.replace(at, 9, role + "@");
  return out;
}

std::string One(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty()) return "<none>";
  return rows->Get(0, 0);
}

// A fresh database set up by `setup` (run as the superuser), after `role`
// exists when one is named; its URL.
std::string FreshDatabase(const std::string& role, const std::string& setup) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  if (!role.empty()) EnsureRole(admin, role);
  MustRun(admin, setup);
  return url;
}

// users(id, name) with 20 rows; `app` has table grants only.
std::string UsersWithAppRole() {
  return FreshDatabase("zs_app",
                       "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
                       "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i "
                       "FROM generate_series(1, 20) AS i;"
                       "GRANT SELECT, INSERT, UPDATE, DELETE ON users TO zs_app;"
                       "GRANT USAGE ON SEQUENCE users_id_seq TO zs_app");
}

// 19.0: the application's role uses the new version: its views carry the
// table's grants, and USAGE on the version schema. Without them the role's
// search_path silently falls through to the table and `up` overwrites what it wrote.
TEST(PrivilegeTest, AppRoleWithTableGrantsWritesThroughTheNewVersion) {
  std::string url = UsersWithAppRole();
  Engine engine = Connect(url);
  ASSERT_TRUE(engine.Start(SplitName()).ok());

  pg::Connection app = Open(UrlAs(url, "zs_app"));
  MustRun(app, "SET search_path = public_02_split_name, public");
  MustRun(app, "UPDATE users SET first_name = 'Zed', last_name = 'Quux' WHERE id = 1");
  MustRun(app, "INSERT INTO users (first_name, last_name) VALUES ('Ada', 'Byron')");
  EXPECT_EQ(One(app, "SELECT first_name || '/' || last_name FROM users WHERE id = 1"), "Zed/Quux");
  EXPECT_EQ(One(app, "SELECT count(*) FROM users WHERE first_name = 'Ada'"), "1");

  pg::Connection old_app = Open(UrlAs(url, "zs_app"));
  EXPECT_EQ(One(old_app, "SELECT name FROM users WHERE id = 1"), "Zed Quux");

  ASSERT_TRUE(engine.Complete().ok());
  EXPECT_EQ(One(app, "SELECT first_name || '/' || last_name FROM users WHERE id = 1"), "Zed/Quux");
  MustRun(app, "UPDATE users SET last_name = 'Q' WHERE id = 1");
}

// 19.0: a role that cannot use the version schema and names it in its
// search_path gets an error, not the raw table with its write taken for an
// old version's.
TEST(PrivilegeTest, RoleThatCannotUseTheVersionGetsAnError) {
  std::string url = UsersWithAppRole();
  Engine engine = Connect(url);
  ASSERT_TRUE(engine.Start(SplitName()).ok());
  pg::Connection admin = Open(url);
  EnsureRole(admin, "zs_late");
  // Granted after start, so the version's views do not carry it.
  MustRun(admin, "GRANT SELECT, UPDATE ON users TO zs_late");

  pg::Connection late = Open(UrlAs(url, "zs_late"));
  MustRun(late, "SET search_path = public_02_split_name, public");
  Status write = late.Run("UPDATE users SET first_name = 'Zed', last_name = 'Quux' WHERE id = 2");
  EXPECT_FALSE(write.ok());
  EXPECT_EQ(write.sqlstate(), "42501") << write.ToString();
  EXPECT_NE(write.message().find("public_02_split_name"), std::string::npos) << write.ToString();
  EXPECT_EQ(One(admin, "SELECT first_name FROM users WHERE id = 2"), "First2");
  // Without the version in its search_path the role is an old client, as before.
  MustRun(late, "RESET search_path");
  MustRun(late, "UPDATE users SET name = 'Old Writer' WHERE id = 2");
  EXPECT_EQ(One(admin, "SELECT first_name FROM users WHERE id = 2"), "Old");
}

// 20.5: column grants reach the temporary column and the version's view, and
// survive complete. (Reading through the version's security_invoker view
// needs SELECT on every column the view selects, a PostgreSQL rule: a role
// granted some columns only reads the old version until complete.)
TEST(PrivilegeTest, ColumnGrantsReachTheVersionAndSurviveComplete) {
  std::string url = FreshDatabase(
      "zs_cols",
      "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, secret text);"
      "INSERT INTO users (email, secret) SELECT 'u' || i || '@x.org', 's' FROM "
      "generate_series(1, 20) AS i;"
      "GRANT SELECT (id, email), UPDATE (email) ON users TO zs_cols");
  pg::Connection admin = Open(url);
  Engine engine = Connect(url);
  const char* alter = R"yaml(operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      up: email
      down: email
)yaml";
  Status started = engine.Start(MustParseMigration(alter, "03_email.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(One(admin,
                "SELECT has_column_privilege('zs_cols', 'public.users', '_zs_new_email', "
                "'UPDATE')::text"),
            "true");
  EXPECT_EQ(One(admin,
                "SELECT has_column_privilege('zs_cols', 'public_03_email.users', 'email', "
                "'SELECT')::text || has_column_privilege('zs_cols', "
                "'public_03_email.users', 'secret', 'SELECT')::text"),
            "truefalse");

  pg::Connection cols = Open(UrlAs(url, "zs_cols"));
  MustRun(cols, "UPDATE users SET email = 'new3@x.org' WHERE id = 3");
  EXPECT_FALSE(cols.Run("SELECT secret FROM users").ok()) << "no grant was widened";

  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(One(cols, "SELECT email FROM public.users WHERE id = 3"), "new3@x.org");
  MustRun(cols, "UPDATE public.users SET email = 'after@x.org' WHERE id = 3");
  EXPECT_EQ(One(admin, "SELECT email FROM users WHERE id = 3"), "after@x.org");
}

// users(email varchar) with 20 rows, and a role zs_mallory with CREATE on
// public that shadows pg_catalog.lower(text) with public.lower(varchar),
// which records in table pwned each role that runs it.
void PlantShadowingLower(pg::Connection& admin, const std::string& url) {
  EnsureRole(admin, "zs_mallory");
  MustRun(admin,
          "CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(100) NOT NULL);"
          "INSERT INTO users (email) SELECT 'U' || i || '@X.org' FROM generate_series(1, 20) AS i;"
          "GRANT CREATE ON SCHEMA public TO zs_mallory;"
          "CREATE TABLE pwned (who text); GRANT INSERT ON pwned TO PUBLIC");
  pg::Connection mallory = Open(UrlAs(url, "zs_mallory"));
  MustRun(mallory,
          "CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO public.pwned VALUES (current_user); RETURN pg_catalog.lower($1::text); "
          "END $$");
}

// 19.5: a role with CREATE on public shadows pg_catalog.lower(text) with
// public.lower(varchar); the migration is refused, naming the function and
// its owner, and the function never runs as zeroshift (a superuser here).
TEST(PrivilegeTest, UntrustedFunctionShadowingABuiltinIsRefused) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  PlantShadowingLower(admin, url);
  Engine engine = Connect(url);
  const char* add = R"yaml(operations:
  - add_column:
      table: users
      up: lower(email)
      column: {name: email_lower, type: text, nullable: true}
)yaml";
  Result<Plan> validated = engine.ValidateMigration(MustParseMigration(add, "04_lower.yaml"));
  ASSERT_FALSE(validated.ok());
  EXPECT_NE(validated.status().message().find("public.lower(character varying)"), std::string::npos)
      << validated.status().ToString();
  EXPECT_NE(validated.status().message().find("zs_mallory"), std::string::npos);
  Status started = engine.Start(MustParseMigration(add, "04_lower.yaml"));
  EXPECT_FALSE(started.ok());
  EXPECT_EQ(One(admin, "SELECT count(*) FROM pwned"), "0");

  // Qualified, the built-in is what runs, in the trigger too, whatever the
  // writer's search_path.
  const char* qualified = R"yaml(operations:
  - add_column:
      table: users
      up: pg_catalog.lower(email)
      column: {name: email_lower, type: text, nullable: true}
)yaml";
  started = engine.Start(MustParseMigration(qualified, "05_lower.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  MustRun(admin, "SET search_path = public, pg_catalog");
  MustRun(admin, "INSERT INTO users (email) VALUES ('NEW@X.org')");
  EXPECT_EQ(One(admin, "SELECT email_lower FROM users WHERE email = 'NEW@X.org'"), "new@x.org");
  EXPECT_EQ(One(admin, "SELECT count(*) FROM users WHERE email_lower IS NULL"), "0");
  EXPECT_EQ(One(admin, "SELECT count(*) FROM pwned"), "0");
}

// 19.5: the expressions PostgreSQL stores with the table (a check, a
// default, an index predicate) get the same owner check as `up`/`down`,
// before anything runs: an ADD COLUMN evaluates its default once and a check
// is validated, as zeroshift, which may be a superuser.
TEST(PrivilegeTest, UntrustedFunctionInACheckDefaultOrPredicateIsRefused) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  PlantShadowingLower(admin, url);
  Engine engine = Connect(url);
  struct Case {
    const char* name;
    const char* yaml;
  };
  const Case cases[] = {
      {"check", R"yaml(operations:
  - add_column:
      table: users
      column:
        name: alias
        type: varchar(100)
        nullable: true
        check: {name: alias_lower, constraint: "alias = lower(alias)"}
)yaml"},
      {"default", R"yaml(operations:
  - add_column:
      table: users
      column: {name: alias, type: text, nullable: true, default: "lower('A'::varchar)"}
)yaml"},
      {"predicate", R"yaml(operations:
  - create_index:
      name: users_lower_idx
      table: users
      columns: [{column: email}]
      predicate: "lower(email) <> ''"
)yaml"},
      {"create_constraint", R"yaml(operations:
  - create_constraint:
      table: users
      name: email_lower
      type: check
      columns: [email]
      check: "email = lower(email)"
      up: {email: pg_catalog.lower(email)}
      down: {email: email}
)yaml"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string file = std::string("06_") + c.name + ".yaml";
    Result<Plan> validated = engine.ValidateMigration(MustParseMigration(c.yaml, file));
    ASSERT_FALSE(validated.ok());
    EXPECT_NE(validated.status().message().find("public.lower(character varying)"),
              std::string::npos)
        << validated.status().ToString();
    EXPECT_NE(validated.status().message().find(file), std::string::npos);
    EXPECT_EQ(validated.status().sqlstate(), "42501");
    EXPECT_FALSE(engine.Start(MustParseMigration(c.yaml, file)).ok());
    EXPECT_EQ(One(admin, "SELECT count(*) FROM pwned"), "0");
    EXPECT_EQ(One(admin,
                  "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                  "'users'"),
              "2");
  }
  // Qualified, the built-in is what PostgreSQL binds.
  const char* qualified = R"yaml(operations:
  - add_column:
      table: users
      column:
        name: alias
        type: varchar(100)
        nullable: true
        default: "pg_catalog.lower('A')"
        check: {name: alias_lower, constraint: "alias = pg_catalog.lower(alias)"}
)yaml";
  Status started = engine.Start(MustParseMigration(qualified, "07_alias.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(One(admin, "SELECT count(*) FROM pwned"), "0");
}

// 20.4: a function of the migrated schema is found at validate time and
// called by its qualified name, so old writers whose search_path lacks the
// schema keep writing, and the backfill runs.
TEST(PrivilegeTest, FunctionOfTheMigratedSchemaWorksForWritersWithoutIt) {
  std::string url = FreshDatabase(
      "zs_app",
      "CREATE SCHEMA app;"
      "CREATE FUNCTION app.norm(text) RETURNS text LANGUAGE sql IMMUTABLE "
      "AS $$ SELECT pg_catalog.upper($1) $$;"
      "CREATE TABLE app.people (id bigserial PRIMARY KEY, name text NOT NULL);"
      "INSERT INTO app.people (name) SELECT 'p' || i FROM generate_series(1, 20) AS i;"
      "GRANT USAGE ON SCHEMA app TO zs_app;"
      "GRANT SELECT, INSERT, UPDATE ON app.people TO zs_app;"
      "GRANT USAGE ON SEQUENCE app.people_id_seq TO zs_app");
  pg::Connection admin = Open(url);
  Engine engine = Connect(url, "app");
  const char* add = R"yaml(operations:
  - add_column:
      table: people
      up: norm(name)
      column: {name: name_norm, type: text, nullable: true}
)yaml";
  Status started = engine.Start(MustParseMigration(add, "06_norm.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(One(admin, "SELECT count(*) FROM app.people WHERE name_norm IS NULL"), "0");
  pg::Connection old_writer = Open(UrlAs(url, "zs_app"));  // search_path "$user", public
  MustRun(old_writer, "INSERT INTO app.people (name) VALUES ('late')");
  EXPECT_EQ(One(admin, "SELECT name_norm FROM app.people WHERE name = 'late'"), "LATE");
}

// 19.7: a `sql` operation's session settings do not reach what follows:
// with session_replication_role = replica left set, the backfill's updates
// would fire no trigger and fill nothing, yet report success.
TEST(PrivilegeTest, RawSqlSessionSettingsDoNotReachTheBackfill) {
  std::string url =
      FreshDatabase("",
                    "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
                    "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i "
                    "FROM generate_series(1, 50) AS i");
  pg::Connection admin = Open(url);
  Engine engine = Connect(url);
  const char* yaml = R"yaml(operations:
  - sql:
      up: SET session_replication_role = replica; SET search_path = pg_temp
  - add_column:
      table: users
      up: split_part(name, ' ', 1)
      column: {name: first_name, type: text, nullable: true}
)yaml";
  Status started = engine.Start(MustParseMigration(yaml, "07_sql.yaml"));
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(One(admin, "SELECT count(*) FROM users WHERE first_name IS NULL"), "0");
  EXPECT_EQ(One(admin, "SELECT first_name FROM users WHERE id = 7"), "First7");
}

// zeroshift's sessions pin search_path, and what user SQL sets is undone.
TEST(PrivilegeTest, SessionPinsSearchPathAndRestoresIt) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  ASSERT_TRUE(pg::PinSearchPath(conn, pg::PinnedSearchPath("app")).ok());
  EXPECT_EQ(One(conn, "SHOW search_path"), "\"app\", pg_temp");
  Result<pg::SessionPins> pins = pg::ReadSessionPins(conn);
  ASSERT_TRUE(pins.ok()) << pins.status().ToString();
  MustRun(conn, "SET search_path = public; SET session_replication_role = replica");
  ASSERT_TRUE(pg::RestoreSession(conn, *pins).ok());
  EXPECT_EQ(One(conn, "SHOW search_path"), "\"app\", pg_temp");
  EXPECT_EQ(One(conn, "SHOW session_replication_role"), "origin");
}

}  // namespace
}  // namespace zs::engine
