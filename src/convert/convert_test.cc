// zeroshift convert: the seed's script becomes the split-name migration that
// `zeroshift start` and `complete` run on a real table; every mappable
// statement becomes its operation; the rest becomes `sql` with a warning.
#include "convert/convert.h"

#include <gtest/gtest.h>

#include "migration/parser.h"
#include "ops/lifecycle_fixture.h"

namespace zs::convert {
namespace {

using migration::Migration;

constexpr const char* kSeedScript =
    "-- DANGER: DO NOT RUN THIS ON PRODUCTION\n"
    "ALTER TABLE users ADD COLUMN first_name VARCHAR(100);\n"
    "ALTER TABLE users ADD COLUMN last_name VARCHAR(100);\n"
    "UPDATE users SET first_name = split_part(name, ' ', 1);\n"
    "UPDATE users SET last_name = split_part(name, ' ', 2);\n"
    "ALTER TABLE users DROP COLUMN name;\n";

constexpr const char* kSeedYaml =
    "operations:\n"
    "  - add_column:\n"
    "      table: users\n"
    "      column:\n"
    "        name: first_name\n"
    "        type: VARCHAR(100)\n"
    "        nullable: true\n"
    "      up: split_part(name, ' ', 1)\n"
    "  - add_column:\n"
    "      table: users\n"
    "      column:\n"
    "        name: last_name\n"
    "        type: VARCHAR(100)\n"
    "        nullable: true\n"
    "      up: split_part(name, ' ', 2)\n"
    "  - drop_column:\n"
    "      table: users\n"
    "      column: name\n"
    "      down: NULLIF(concat_ws(' ', NULLIF(first_name, ''), NULLIF(last_name, '')), '')\n";

// The operations of `m` as JSON: what a migration does, whatever its name.
std::string OperationsJson(Migration m) {
  m.name.clear();
  return migration::ToJson(m);
}

Conversion Convert(const std::string& sql) {
  Result<Conversion> conversion = ConvertSql(sql, "in.sql");
  EXPECT_TRUE(conversion.ok()) << conversion.status().ToString();
  if (!conversion.ok()) return {};
  return std::move(conversion).value();
}

// The single operation `sql` converts to, as JSON text.
std::string OneOperation(const std::string& sql) {
  Conversion conversion = Convert(sql);
  EXPECT_EQ(conversion.migration.operations.size(), 1u) << ToYaml(conversion.migration);
  std::string json = migration::ToJson(conversion.migration);
  size_t start = json.find("\"operations\":[");
  return json.substr(start + 14, json.size() - start - 16);
}

TEST(Convert, SeedScriptBecomesTheSplitNameMigration) {
  Conversion conversion = Convert(kSeedScript);
  EXPECT_EQ(ToYaml(conversion.migration), kSeedYaml);
  EXPECT_TRUE(conversion.warnings.empty()) << conversion.warnings[0];
  // What convert prints reads back as the same migration.
  Result<Migration> reread = migration::ParseMigration(kSeedYaml, "02_split_name.yaml");
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  EXPECT_EQ(OperationsJson(*reread), OperationsJson(conversion.migration));
  Result<Migration> json = migration::ParseMigration(ToPrettyJson(conversion.migration), "x.json");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(OperationsJson(*json), OperationsJson(*reread));
}

TEST(Convert, TransactionAndTimeoutsAreLeftOutWithANote) {
  Conversion conversion =
      Convert(std::string("BEGIN;\nSET lock_timeout = '1s';\n") + kSeedScript + "COMMIT;\n");
  EXPECT_EQ(ToYaml(conversion.migration), kSeedYaml);
  ASSERT_EQ(conversion.warnings.size(), 2u);
  EXPECT_NE(conversion.warnings[0].find("in.sql:1:1: BEGIN/COMMIT left out"), std::string::npos);
  EXPECT_NE(conversion.warnings[1].find("in.sql:2:1: session settings"), std::string::npos);
}

TEST(Convert, StatementsMapToTheirOperations) {
  EXPECT_EQ(OneOperation("CREATE INDEX CONCURRENTLY users_email_idx ON users USING hash (email) "
                         "WHERE deleted_at IS NULL;"),
            R"j({"create_index":{"name":"users_email_idx","table":"users","columns":[{"column":)j"
            R"j("email"}],"predicate":"deleted_at IS NULL","method":"hash"}})j");
  EXPECT_EQ(OneOperation("CREATE UNIQUE INDEX ON users (lower_email DESC NULLS LAST) WITH "
                         "(fillfactor = 70);"),
            R"j({"create_index":{"name":"users_lower_email_idx","table":"users","columns":[{)j"
            R"j("column":"lower_email","sort":"DESC","nulls":"LAST"}],"storage_parameters":)j"
            R"j("fillfactor=70","unique":true}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
                         "REFERENCES users (id) ON DELETE CASCADE NOT VALID;"),
            R"j({"create_constraint":{"table":"orders","name":"orders_user_fk","type":)j"
            R"j("foreign_key","columns":["user_id"],"references":{"table":"users","columns":)j"
            R"j(["id"],"on_delete":"CASCADE"},"up":{"user_id":"user_id"},"down":{"user_id":)j"
            R"j("user_id"}}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE orders ADD CHECK (total >= 0 AND total < 1e9);"),
            R"j({"create_constraint":{"table":"orders","name":"orders_total_check","type":)j"
            R"j("check","columns":["total"],"check":"total >= 0 AND total < 1e9","up":{"total":)j"
            R"j("total"},"down":{"total":"total"}}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
            R"j({"create_constraint":{"table":"users","name":"users_email_key","type":"unique",)j"
            R"j("columns":["email"],"up":{"email":"email"},"down":{"email":"email"}}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
            R"j({"alter_column":{"table":"users","column":"email","nullable":false,"up":)j"
            R"j("email","down":"email"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ALTER COLUMN age TYPE bigint USING age::bigint;"),
            R"j({"alter_column":{"table":"users","column":"age","type":"bigint","up":)j"
            R"j("age::bigint","down":"age"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x' || 'y';"),
            R"j({"alter_column":{"table":"users","column":"name","default":"'x' || 'y'","up":)j"
            R"j("name","down":"name"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ALTER COLUMN name DROP DEFAULT;"),
            R"j({"alter_column":{"table":"users","column":"name","default":null,"up":"name",)j"
            R"j("down":"name"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users RENAME COLUMN name TO full_name;"),
            R"j({"rename_column":{"table":"users","from":"name","to":"full_name"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users RENAME TO people;"),
            R"j({"rename_table":{"from":"users","to":"people"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users RENAME CONSTRAINT a TO b;"),
            R"j({"rename_constraint":{"table":"users","from":"a","to":"b"}})j");
  EXPECT_EQ(OneOperation("DROP TABLE legacy;"), R"j({"drop_table":{"name":"legacy"}})j");
  EXPECT_EQ(OneOperation("DROP INDEX CONCURRENTLY users_old_idx;"),
            R"j({"drop_index":{"name":"users_old_idx"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users DROP CONSTRAINT users_email_key;"),
            R"j({"drop_constraint":{"table":"users","name":"users_email_key"}})j");
  EXPECT_EQ(OneOperation("ALTER TABLE users ADD COLUMN score int NOT NULL DEFAULT 0 CHECK (score "
                         ">= 0) REFERENCES scores (id);"),
            R"j({"add_column":{"table":"users","column":{"name":"score","type":"int","default":)j"
            R"j("0","check":{"name":"users_score_check","constraint":"score >= 0"},)j"
            R"j("references":{"name":"users_score_fkey","table":"scores","column":"id"}}}})j");
}

TEST(Convert, CreateTableBecomesCreateTable) {
  EXPECT_EQ(OneOperation("CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                         "title text NOT NULL, price numeric(10,2) DEFAULT 0, owner bigint, "
                         "CONSTRAINT items_owner_fk FOREIGN KEY (owner) REFERENCES users (id), "
                         "UNIQUE (title, owner));"),
            R"j({"create_table":{"name":"items","columns":[{"name":"id","type":"bigint","pk":)j"
            R"j(true,"generated":{"identity":{}}},{"name":"title","type":"text"},{"name":)j"
            R"j("price","type":"numeric(10,2)","nullable":true,"default":"0"},{"name":"owner",)j"
            R"j("type":"bigint","nullable":true}],"constraints":[{"name":"items_owner_fk",)j"
            R"j("type":"foreign_key","columns":["owner"],"references":{"table":"users",)j"
            R"j("columns":["id"]}},{"name":"items_title_owner_key","type":"unique","columns":)j"
            R"j(["title","owner"]}]}})j");
}

TEST(Convert, TypeChangeOfAKnownColumnGetsATypedDown) {
  Conversion conversion = Convert(
      "CREATE TABLE accounts (id int PRIMARY KEY, code varchar(10));\n"
      "ALTER TABLE accounts ALTER COLUMN code TYPE text;\n");
  ASSERT_EQ(conversion.migration.operations.size(), 2u);
  auto& alter = std::get<migration::OpAlterColumn>(conversion.migration.operations[1].body);
  EXPECT_EQ(alter.up, "CAST(code AS text)");
  EXPECT_EQ(alter.down, "CAST(code AS varchar(10))");
}

TEST(Convert, CopyAndDropBecomeACopyWithDown) {
  Conversion conversion = Convert(
      "ALTER TABLE users ADD COLUMN full_name text;\n"
      "UPDATE users SET full_name = name WHERE full_name IS NULL;\n"
      "ALTER TABLE users DROP COLUMN name;\n");
  ASSERT_EQ(conversion.migration.operations.size(), 2u);
  EXPECT_EQ(std::get<migration::OpAddColumn>(conversion.migration.operations[0].body).up, "name");
  EXPECT_EQ(std::get<migration::OpDropColumn>(conversion.migration.operations[1].body).down,
            "full_name");
}

TEST(Convert, WhatCannotBeMappedBecomesSqlWithAWarning) {
  Conversion conversion = Convert(
      "CREATE INDEX users_lower_idx ON users (lower(email));\n"
      "UPDATE users SET email = lower(email);\n"
      "VACUUM users;\n"
      "ALTER TABLE users ADD COLUMN a int, ENABLE TRIGGER ALL;\n");
  ASSERT_EQ(conversion.migration.operations.size(), 4u);
  for (const migration::Operation& op : conversion.migration.operations) {
    EXPECT_EQ(op.kind, "sql");
  }
  EXPECT_EQ(std::get<migration::OpRawSql>(conversion.migration.operations[0].body).up,
            "CREATE INDEX users_lower_idx ON users (lower(email))");
  ASSERT_EQ(conversion.warnings.size(), 4u);
  EXPECT_NE(conversion.warnings[1].find("in.sql:2:1: `UPDATE users SET email = lower(email)` "
                                        "becomes an `sql` operation (an UPDATE that does not "
                                        "fill a column this file adds runs as one statement, "
                                        "unbatched)"),
            std::string::npos)
      << conversion.warnings[1];
}

TEST(Convert, DropWithoutKnownSourceWarnsAboutDown) {
  Conversion conversion = Convert("ALTER TABLE users DROP COLUMN nickname;\n");
  ASSERT_EQ(conversion.warnings.size(), 1u);
  EXPECT_NE(conversion.warnings[0].find("drop_column users.nickname has no `down`"),
            std::string::npos);
}

TEST(Convert, FailsOnSyntaxErrorsAndEmptyInput) {
  Result<Conversion> broken = ConvertSql("SELECT 1;\nALTER TABLE users ADD;\n", "bad.sql");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("bad.sql:2:22: PostgreSQL's parser rejects"),
            std::string::npos)
      << broken.status().message();
  Result<Conversion> empty = ConvertSql("-- nothing\nBEGIN; COMMIT;", "empty.sql");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("nothing to convert"), std::string::npos);
}

TEST(Convert, YamlQuotesWhatPlainScalarsCannotHold) {
  Conversion conversion = Convert(
      "ALTER TABLE t ADD COLUMN \"yes\" text DEFAULT 'a: b # c';\n"
      "DO $$\nBEGIN\n  PERFORM 1;\nEND\n$$;\n");
  std::string yaml = ToYaml(conversion.migration);
  Result<Migration> reread = migration::ParseMigration(yaml, "q.yaml");
  ASSERT_TRUE(reread.ok()) << reread.status().ToString() << "\n" << yaml;
  EXPECT_EQ(OperationsJson(*reread), OperationsJson(conversion.migration));
  EXPECT_NE(yaml.find("name: \"yes\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("up: |-\n        DO $$\n        BEGIN\n"), std::string::npos) << yaml;
}

// The converted seed script runs through zeroshift start and complete on a
// real table, and both versions see each other's writes meanwhile.
class ConvertLifecycle : public ops::OpsLifecycle {};

TEST_F(ConvertLifecycle, ConvertedSeedScriptStartsAndCompletes) {
  CreateUsers();  // users(id integer pk, name text not null): Ada Lovelace, Alan Turing
  Conversion conversion = Convert(kSeedScript);
  Start("split_name", ToYaml(conversion.migration));
  EXPECT_EQ(
      ops::OpsLifecycle::Query(*new_, "SELECT id, first_name, last_name FROM users ORDER BY id"),
      (ops::Rows{{"1", "Ada", "Lovelace"}, {"2", "Alan", "Turing"}}));
  Exec(*old_, "INSERT INTO users (id, name) VALUES (3, 'Grace Hopper')");
  Exec(*new_, "INSERT INTO users (id, first_name, last_name) VALUES (4, 'Edsger', NULL)");
  EXPECT_EQ(ops::OpsLifecycle::Query(*new_, "SELECT first_name, last_name FROM users WHERE id = 3"),
            (ops::Rows{{"Grace", "Hopper"}}));
  // down is NULL-safe: a NULL last name leaves no trailing space.
  EXPECT_EQ(ops::OpsLifecycle::Value(*old_, "SELECT name FROM users WHERE id = 4"), "Edsger");
  Complete();
  EXPECT_EQ(Columns("users"),
            (std::vector<std::string>{"id integer NOT NULL", "first_name character varying NULL",
                                      "last_name character varying NULL"}));
  EXPECT_EQ(ops::OpsLifecycle::Query(*new_, "SELECT first_name, last_name FROM users ORDER BY id"),
            (ops::Rows{
                {"Ada", "Lovelace"}, {"Alan", "Turing"}, {"Grace", "Hopper"}, {"Edsger", "NULL"}}));
  ExpectCompleteClean();
}

}  // namespace
}  // namespace zs::convert
