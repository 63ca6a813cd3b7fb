// Validation that predicts the run (engine/rehearsal.h): dependencies of a
// replaced column refused before anything runs (issue 19.11, 20.6, 20.7,
// 20.10), the rehearsal of start, rollback and complete in a rolled-back
// transaction (19.8, 19.9, 20.9), and objects added on a replaced column
// between start and complete (20.8).
#include "engine/rehearsal.h"

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "history/drift.h"
#include "migration/parser.h"
#include "schema/schema.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using zs::testing::MustParseMigration;
using zs::testing::MustRun;
using zs::testing::Open;

Engine Connect(const std::string& url) { return test_util::MustConnectAndInit(url); }

std::string One(pg::Connection& conn, const std::string& sql) {
  auto rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->size() == 0) return "";
  return rows->Get(0, 0);
}

// users(id, name, email) with a few rows.
void CreateUsers(pg::Connection& conn) {
  MustRun(
      conn,
      "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text);"
      "INSERT INTO users SELECT i, 'user ' || i, 'u' || i || '@x' FROM generate_series(1, 20) i");
}

constexpr const char* kAlterEmail = R"(name: 01_email
operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      up: email
      down: email
)";

// Nothing of the migration is left in the catalog: no temporary column, no
// state row, no trigger.
void ExpectUntouched(pg::Connection& conn) {
  EXPECT_EQ(One(conn,
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass "
                "AND attname LIKE '\\_zs\\_%'"),
            "0");
  EXPECT_EQ(One(conn, "SELECT count(*) FROM zeroshift.migrations"), "0");
  EXPECT_EQ(
      One(conn,
          "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%' OR tgname LIKE '~zs\\_%'"),
      "0");
}

// 19.11, 20.7, 20.10: each of these makes complete fail with 2BP01 (or drop
// the object) after start succeeded, with rollback refused part-way.
TEST(RehearsalDependents, EveryDependentOfTheAlteredColumnIsRefusedBeforeAnythingRuns) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  CreateUsers(conn);
  struct Case {
    const char* setup;
    const char* teardown;
    const char* expected;
  };
  const Case cases[] = {
      {"CREATE VIEW user_emails AS SELECT id, email FROM users", "DROP VIEW user_emails",
       "view user_emails depends on column \"email\""},
      {"ALTER TABLE users ADD COLUMN domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) "
       "STORED",
       "ALTER TABLE users DROP COLUMN domain", "generated column"},
      {"CREATE POLICY own ON users USING (email IS NOT NULL)", "DROP POLICY own ON users",
       "policy own on table users"},
      {"CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;"
       // A WHEN clause naming the column (an UPDATE OF list alone is carried over).
       "CREATE TRIGGER audit BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.email IS NOT NULL) "
       "EXECUTE FUNCTION audit()",
       "DROP TRIGGER audit ON users; DROP FUNCTION audit()", "trigger audit on table users"},
      {"CREATE STATISTICS users_stats (ndistinct) ON name, email FROM users",
       "DROP STATISTICS users_stats", "statistics object"},
      {"CREATE PUBLICATION pub FOR TABLE users (id, email)", "DROP PUBLICATION pub",
       "publication of table users in publication pub"},
      {"CREATE PUBLICATION pub FOR TABLE users", "DROP PUBLICATION pub",
       "publication \"pub\" publishes every column of table \"users\""},
      {"CREATE PUBLICATION pub FOR ALL TABLES", "DROP PUBLICATION pub",
       "publication \"pub\" publishes every column"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.setup);
    MustRun(conn, c.setup);
    Engine engine = Connect(url);
    migration::Migration m = MustParseMigration(kAlterEmail, "01_email.yaml");
    auto plan = engine.ValidateMigration(m);
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.status().message().find(c.expected), std::string::npos)
        << plan.status().message();
    EXPECT_NE(plan.status().message().find("01_email.yaml:"), std::string::npos)
        << plan.status().message();
    Status start = engine.Start(m);
    ASSERT_FALSE(start.ok());
    EXPECT_NE(start.message().find(c.expected), std::string::npos) << start.message();
    ExpectUntouched(conn);
    MustRun(conn, c.teardown);
  }
  // With none of them, the same migration runs through.
  Engine engine = Connect(url);
  migration::Migration m = MustParseMigration(kAlterEmail, "01_email.yaml");
  ASSERT_TRUE(engine.ValidateMigration(m).ok());
  Status start = engine.Start(m);
  ASSERT_TRUE(start.ok()) << start.ToString();
  Status complete = engine.Complete();
  ASSERT_TRUE(complete.ok()) << complete.ToString();
}

// 20.6: a column list that leaves out the altered column keeps the temporary
// column out of the replication stream: accepted.
TEST(RehearsalDependents, PublicationWithAColumnListWithoutTheColumnIsAccepted) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  CreateUsers(conn);
  MustRun(conn, "CREATE PUBLICATION pub FOR TABLE users (id, name)");
  Engine engine = Connect(url);
  migration::Migration m = MustParseMigration(kAlterEmail, "01_email.yaml");
  Status start = engine.Start(m);
  ASSERT_TRUE(start.ok()) << start.ToString();
  Status complete = engine.Complete();
  ASSERT_TRUE(complete.ok()) << complete.ToString();
  EXPECT_EQ(One(conn, "SELECT attnames::text FROM pg_publication_tables WHERE pubname = 'pub'"),
            "{id,name}");
}

struct BadMigration {
  const char* name;
  const char* setup;
  const char* yaml;
  const char* expected;  // in the error
};

// 19.8, 19.9, 20.9: each passed validate before, and then start failed
// part-way or every write failed until rollback.
TEST(Rehearsal, ValidateAndStartRefuseWhatWouldFailAtStartOrOnEveryWrite) {
  const BadMigration cases[] = {
      {"up with a missing FROM entry", "",
       R"(operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      up: upper(t.name)
      down: email
)",
       "missing FROM-clause entry for table \"t\""},
      // A subquery column named like a trigger variable ("ambiguous" in
      // PL/pgSQL) no longer fails: expressions run schema- and
      // zs_row-qualified (engine/resolve.h), so there is nothing to refuse.
      {"array type whose up yields a scalar", "",
       R"(operations:
  - alter_column:
      table: users
      column: email
      type: text[]
      up: email
      down: email[1]
)",
       "dual-write trigger of table \"users\""},
      {"check whose parentheses balance across the wrapper", "",
       R"(operations:
  - add_column:
      table: users
      column:
        name: c1
        type: int
        nullable: true
        check:
          name: c1_check
          constraint: c1 > 0) OR (c1 < -5
)",
       "add_column"},
      {"default naming a column", "",
       R"(operations:
  - add_column:
      table: users
      column:
        name: c2
        type: text
        nullable: true
        default: name
)",
       "cannot use column reference"},
      {"check with a subquery", "",
       R"(operations:
  - add_column:
      table: users
      column:
        name: c3
        type: int
        nullable: true
        check:
          name: c3_check
          constraint: c3 > (SELECT 1)
)",
       "subquer"},
      {"index predicate with random()", "",
       R"(operations:
  - create_index:
      table: users
      name: users_random
      columns:
        - column: name
      predicate: random() > 0.5
)",
       "IMMUTABLE"},
      {"text to enum with the old default",
       "CREATE TYPE mood AS ENUM ('ok', 'sad');"
       "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'ok'",
       R"(operations:
  - alter_column:
      table: users
      column: email
      type: mood
      up: "'ok'::mood"
      down: email::text
)",
       "give the alter_column a `default`"},
      {"NOT NULL domain with no default", "CREATE DOMAIN email_address AS text NOT NULL",
       R"(operations:
  - alter_column:
      table: users
      column: email
      type: email_address
      up: coalesce(email, 'none')
      down: email
)",
       "give the alter_column a `default`"},
  };
  for (const BadMigration& c : cases) {
    SCOPED_TRACE(c.name);
    std::string url = zs::testing::FreshDatabaseUrl();
    pg::Connection conn = Open(url);
    CreateUsers(conn);
    if (*c.setup) MustRun(conn, c.setup);
    Engine engine = Connect(url);
    migration::Migration m =
        MustParseMigration(std::string("name: 01_bad\n") + c.yaml, "01_bad.yaml");
    auto plan = engine.ValidateMigration(m);
    ASSERT_FALSE(plan.ok()) << "validate said ok";
    EXPECT_NE(plan.status().message().find(c.expected), std::string::npos)
        << plan.status().message();
    EXPECT_NE(plan.status().message().find("01_bad.yaml:"), std::string::npos)
        << plan.status().message();
    Status start = engine.Start(m);
    ASSERT_FALSE(start.ok()) << "start said ok";
    ExpectUntouched(conn);
    EXPECT_EQ(One(conn, "SELECT count(*) FROM users"), "20");
  }
}

// The rehearsal leaves nothing behind and a good migration passes it.
TEST(Rehearsal, GoodMigrationPassesAndLeavesTheDatabaseAsItWas) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  CreateUsers(conn);
  MustRun(conn,
          "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, "
          "total int NOT NULL); INSERT INTO orders SELECT i, i, i * 10 FROM "
          "generate_series(1, 20) i; CREATE INDEX ON users (email)");
  Engine engine = Connect(url);
  migration::Migration m = MustParseMigration(R"(name: 01_good
operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      nullable: false
      up: coalesce(email, 'none')
      down: email
      unique:
        name: users_email_unique
  - add_column:
      table: orders
      up: total * 2
      column: {name: doubled, type: int, nullable: false}
)",
                                              "01_good.yaml");
  auto plan = engine.ValidateMigration(m);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(One(conn, "SELECT count(*) FROM orders"), "20");
  EXPECT_EQ(One(conn, "SELECT count(*) FROM users"), "20");
  EXPECT_EQ(One(conn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'public_01_good'"), "0");
  ExpectUntouched(conn);
  Status start = engine.Start(m);
  ASSERT_TRUE(start.ok()) << start.ToString();
  Status complete = engine.Complete();
  ASSERT_TRUE(complete.ok()) << complete.ToString();
  EXPECT_EQ(One(conn, "SELECT count(*) FROM orders WHERE doubled = total * 2"), "20");
}

// 20.8: an index, a check and a comment put on the old column between start
// and complete were dropped without a word.
TEST(RehearsalComplete, ObjectsAddedOnTheOldColumnSinceStartStopCompleteBeforeAnyChange) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection conn = Open(url);
  CreateUsers(conn);
  Engine engine = Connect(url);
  ASSERT_TRUE(engine.Start(MustParseMigration(kAlterEmail, "01_email.yaml")).ok());
  MustRun(conn,
          "CREATE INDEX users_email_late ON users (email);"
          "ALTER TABLE users ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%');"
          "COMMENT ON COLUMN users.email IS 'contact address'");
  Status complete = engine.Complete();
  ASSERT_FALSE(complete.ok());
  for (const char* name : {"users_email_late", "email_has_at", "contact address"}) {
    EXPECT_NE(complete.message().find(name), std::string::npos) << complete.message();
  }
  // Nothing ran: the migration is still active and can be rolled back.
  EXPECT_EQ(One(conn, "SELECT step FROM zeroshift.migrations"), "active");
  EXPECT_EQ(One(conn, "SELECT count(*) FROM pg_class WHERE relname = 'users_email_late'"), "1");
  // drift reports them against the schema recorded after start.
  auto history = engine.History();
  ASSERT_TRUE(history.ok());
  auto reference = history::ReferenceSchema(*history);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  auto live = schema::ReadSchema(conn, "public");
  ASSERT_TRUE(live.ok());
  std::string drift;
  for (const auto& d : history::Diff(reference->schema, *live)) drift += ToString(d) + "\n";
  EXPECT_NE(drift.find("users_email_late"), std::string::npos) << drift;
  EXPECT_NE(drift.find("email_has_at"), std::string::npos) << drift;
  EXPECT_NE(drift.find("contact address"), std::string::npos) << drift;
  // Once they are gone from the old column, complete goes through.
  MustRun(conn,
          "DROP INDEX users_email_late; ALTER TABLE users DROP CONSTRAINT email_has_at;"
          "COMMENT ON COLUMN users.email IS NULL");
  Status again = engine.Complete();
  ASSERT_TRUE(again.ok()) << again.ToString();
}

}  // namespace
}  // namespace zs::engine
