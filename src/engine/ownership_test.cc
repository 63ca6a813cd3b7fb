// SAFETY.md invariant 3 against a real PostgreSQL: a name zeroshift needs
// that is taken is refused before anything runs (validate says so too), what
// start creates is recorded by identity, and rollback drops only what is
// recorded. Invariant 8 for multibyte names: a 61-byte Unicode table name
// goes through start -> rollback and start -> complete.
#include "engine/ownership.h"

#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "migration/parser.h"
#include "ops/names.h"
#include "pg/quote.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using zs::testing::MustParseMigration;
using zs::testing::MustRun;
using zs::testing::Open;

class Ownership : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text);"
            "INSERT INTO users (name, email) SELECT 'n' || i, 'e' || i || '@x' "
            "FROM generate_series(1, 20) i;");
  }

  Engine Connect() { return test_util::MustConnectAndInit(url_); }

  std::string Value(const std::string& sql) {
    Result<pg::Rows> rows = conn_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->size() != 1) return "<error>";
    return rows->IsNull(0, 0) ? "NULL" : rows->Get(0, 0);
  }

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
};

constexpr const char* kAddNickname = R"yaml(operations:
  - add_column:
      table: users
      up: upper(name)
      column: {name: nickname, type: text, nullable: true}
)yaml";

// The issue's case: a user schema `public_archive` with a table, and a
// migration named `archive`. Before the fix, validate passed, start failed
// on CREATE SCHEMA after its state row was written, and the rollback it
// advised ran DROP SCHEMA "public_archive" CASCADE.
TEST_F(Ownership, TakenVersionSchemaIsRefusedBeforeAnythingRuns) {
  MustRun(*conn_,
          "CREATE SCHEMA public_archive; CREATE TABLE public_archive.invoices (id int);"
          "INSERT INTO public_archive.invoices VALUES (1), (2), (3);");
  migration::Migration m = MustParseMigration(kAddNickname, "archive.yaml");
  Engine engine = Connect();
  Result<Plan> validated = engine.ValidateMigration(m);
  ASSERT_FALSE(validated.ok()) << "validate passed";
  EXPECT_NE(validated.status().message().find("schema \"public_archive\""), std::string::npos)
      << validated.status().message();
  Status started = engine.Start(m);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), Code::kConflict) << started.ToString();
  EXPECT_NE(started.message().find("already taken"), std::string::npos) << started.message();
  // Nothing ran: no state row, no column, so nothing to roll back.
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND "
                  "attname = 'nickname'"),
            "0");
  Status rollback = engine.Rollback();
  EXPECT_EQ(rollback.code(), Code::kNotFound) << rollback.ToString();
  EXPECT_EQ(Value("SELECT count(*) FROM public_archive.invoices"), "3");
}

// A user column that happens to be named like the temporary column of an
// alter_column: refused before anything runs, its data intact.
TEST_F(Ownership, UserColumnNamedLikeTheTemporaryColumnIsRefused) {
  MustRun(*conn_, "ALTER TABLE users ADD COLUMN \"_zs_new_email\" text DEFAULT 'mine'");
  migration::Migration m = MustParseMigration(R"yaml(operations:
  - alter_column:
      table: users
      column: email
      type: varchar(200)
      up: email
      down: email
)yaml",
                                              "widen_email.yaml");
  Engine engine = Connect();
  Result<Plan> validated = engine.ValidateMigration(m);
  ASSERT_FALSE(validated.ok());
  EXPECT_NE(validated.status().message().find("column \"public\".\"users\".\"_zs_new_email\""),
            std::string::npos)
      << validated.status().message();
  Status started = engine.Start(m);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations"), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE \"_zs_new_email\" = 'mine'"), "20");
}

// Start records what it creates; rollback drops only recorded objects: an
// object whose record is missing (here deleted by hand, as if a user had
// made it) is left alone, with its data.
TEST_F(Ownership, RollbackDropsOnlyRecordedObjects) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(MustParseMigration(kAddNickname, "nick.yaml")).ok());
  EXPECT_EQ(Value("SELECT string_agg(kind || ':' || name, ',' ORDER BY kind, name) FROM "
                  "zeroshift.created_objects WHERE migration = 'nick'"),
            "column:_zs_synced,column:nickname,function:_zs_public_users_dual_write,"
            "schema:public_nick,"
            "trigger:~zs_public_users_dual_write,trigger:~zs_public_users_dual_write_i,"
            "trigger:~zs_public_users_dual_write_o");
  MustRun(*conn_, "DELETE FROM zeroshift.created_objects WHERE kind = 'column'");
  ASSERT_TRUE(engine.Rollback().ok());
  EXPECT_EQ(Value("SELECT count(*) FROM users WHERE nickname = upper(name)"), "20");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_nick'"), "0");
  EXPECT_EQ(
      Value(
          "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%' OR tgname LIKE '~zs\\_%'"),
      "0");
  // Records of what rollback dropped are forgotten.
  EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.created_objects"), "0");
}

// Complete keeps the version schema's record (the next complete drops it)
// and forgets the rest: what a completed migration leaves is the user's.
TEST_F(Ownership, CompleteKeepsOnlyTheVersionSchemasRecord) {
  Engine engine = Connect();
  ASSERT_TRUE(engine.Start(MustParseMigration(kAddNickname, "nick.yaml")).ok());
  ASSERT_TRUE(engine.Complete().ok());
  EXPECT_EQ(Value("SELECT string_agg(kind || ':' || name, ',') FROM zeroshift.created_objects"),
            "schema:public_nick");
  ASSERT_TRUE(engine
                  .Start(MustParseMigration(R"yaml(operations:
  - add_column:
      table: users
      column: {name: age, type: int, nullable: true}
)yaml",
                                            "age.yaml"))
                  .ok());
  ASSERT_TRUE(engine.Complete().ok());
  EXPECT_EQ(Value("SELECT count(*) FROM pg_namespace WHERE nspname = 'public_nick'"), "0");
  EXPECT_EQ(Value("SELECT string_agg(kind || ':' || name, ',') FROM zeroshift.created_objects"),
            "schema:public_age");
}

// A 61-byte table name of one ASCII letter and 30 two-byte letters: the
// dual-write trigger's name is shortened, and was cut in the middle of a
// character, so start failed and every rollback failed with "invalid byte
// sequence" (stuck in rolling_back). Both ways now finish.
TEST_F(Ownership, MultibyteTableNameStartsRollsBackAndCompletes) {
  std::string table = "x";
  for (int i = 0; i < 30; ++i) table += "т";
  ASSERT_EQ(table.size(), 61u);
  std::string qt = pg::QuoteIdent(table);
  MustRun(*conn_, fmt::format("CREATE TABLE {} (id int PRIMARY KEY, name text);"
                              "INSERT INTO {} SELECT i, 'n' || i FROM generate_series(1, 10) i;",
                              qt, qt));
  std::string yaml = fmt::format(R"yaml(operations:
  - add_column:
      table: "{}"
      up: upper(name)
      column: {{name: shout, type: text, nullable: true}}
)yaml",
                                 table);
  Engine engine = Connect();
  for (bool complete : {false, true}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    migration::Migration m =
        MustParseMigration(yaml, complete ? "mb_complete.yaml" : "mb_rollback.yaml");
    Status started = engine.Start(m);
    ASSERT_TRUE(started.ok()) << started.ToString();
    EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM {} WHERE shout = upper(name)", qt)), "10");
    Status finished = complete ? engine.Complete() : engine.Rollback();
    ASSERT_TRUE(finished.ok()) << finished.ToString();
    EXPECT_EQ(Value("SELECT count(*) FROM zeroshift.migrations WHERE NOT done"), "0");
    EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM pg_trigger WHERE tgrelid = {}::regclass",
                                pg::QuoteLiteral(qt))),
              "0");
  }
  EXPECT_EQ(Value(fmt::format("SELECT count(*) FROM {} WHERE shout = upper(name)", qt)), "10");
}

TEST(OwnershipNames, ClipIdentifierEndsOnACharacterBoundary) {
  std::string text = "x";
  for (int i = 0; i < 40; ++i) text += "т";
  std::string clipped = ops::ClipIdentifier(text, 50);
  EXPECT_EQ(clipped.size(), 49u);  // "x" + 24 letters; the 25th would be cut in half
  EXPECT_EQ(ops::ClipIdentifier("short", 50), "short");
}

TEST(OwnershipNames, CreatedAndDroppedObjectsAreReadFromTheSql) {
  Result<std::vector<ObjectRef>> created = CreatedObjects(
      "CREATE SCHEMA \"public_a\";\nALTER TABLE \"public\".\"t\" ADD COLUMN \"_zs_new_c\" int, "
      "ADD CONSTRAINT \"_zs_c_not_null\" CHECK (c IS NOT NULL) NOT VALID;\nCREATE OR REPLACE "
      "FUNCTION \"zeroshift\".\"f\"() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; "
      "END$$;\nCREATE TRIGGER \"g\" BEFORE INSERT ON \"public\".\"t\" FOR EACH ROW EXECUTE "
      "FUNCTION \"zeroshift\".\"f\"();\nCREATE INDEX CONCURRENTLY \"i\" ON \"public\".\"t\" (c);",
      "public");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::vector<std::string> described;
  for (const auto& ref : *created) described.push_back(ref.Describe());
  EXPECT_EQ(described,
            (std::vector<std::string>{
                "schema \"public_a\"", "column \"public\".\"t\".\"_zs_new_c\"",
                "constraint \"_zs_c_not_null\" on \"public\".\"t\"", "function \"zeroshift\".\"f\"",
                "trigger \"g\" on \"public\".\"t\"", "index \"public\".\"i\""}));
  Result<std::vector<Statement>> split = SplitStatements(
      "DROP SCHEMA IF EXISTS \"public_a\" CASCADE;\nUPDATE t SET c = 1;\nDROP TRIGGER IF EXISTS "
      "\"g\" ON \"public\".\"t\";\nALTER TABLE \"public\".\"t\" DROP COLUMN IF EXISTS \"c\"",
      "public");
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->size(), 4u);
  EXPECT_EQ((*split)[0].text, "DROP SCHEMA IF EXISTS \"public_a\" CASCADE;");
  EXPECT_EQ((*split)[1].drops.size(), 0u);
  EXPECT_EQ((*split)[2].drops.at(0).Describe(), "trigger \"g\" on \"public\".\"t\"");
  EXPECT_EQ((*split)[3].text, "ALTER TABLE \"public\".\"t\" DROP COLUMN IF EXISTS \"c\";");
}

}  // namespace
}  // namespace zs::engine
