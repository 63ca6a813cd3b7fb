#include "migration/parser.h"
#include "migration/parser_test_util.h"
#include "testing/reference.h"
#include "testing/seed_migration.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace zs::migration {
namespace {

namespace fs = std::filesystem;
using parser_test::ExpectSplitName;
using parser_test::kSplitNameJson;
using parser_test::kSplitNameYaml;

fs::path ExamplesDir() { return zs::testing::PgrollExamplesDir(); }

std::vector<fs::path> ExampleFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ExamplesDir(), ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Locations differ between a YAML file and its JSON form; everything else
// must survive the round trip.
void ClearLocations(Migration& m) {
  for (Operation& op : m.operations) {
    op.location = {};
    if (auto* create = std::get_if<OpCreateTable>(&op.body)) {
      for (Column& column : create->columns) column.location = {};
      for (Constraint& constraint : create->constraints) constraint.location = {};
    } else if (auto* add = std::get_if<OpAddColumn>(&op.body)) {
      add->column.location = {};
    }
  }
}

TEST(ParserTest, SplitNameYaml) {
  Result<Migration> m = ParseMigration(kSplitNameYaml, "migrations/02_split_name.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name, "02_split_name");
  EXPECT_EQ(m->source_file, "migrations/02_split_name.yaml");
  ExpectSplitName(*m);
  EXPECT_EQ(m->operations[0].location.ToString(), "migrations/02_split_name.yaml:2:5");
  EXPECT_EQ(m->operations[1].location.line, 6);
}

TEST(ParserTest, SplitNameJson) {
  Result<Migration> m = ParseMigration(kSplitNameJson, "02_split_name.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->name, "02_split_name");
  ExpectSplitName(*m);
}

TEST(ParserTest, YamlAndJsonGiveTheSameModel) {
  Result<Migration> yaml = ParseMigration(kSplitNameYaml, "x.yaml");
  Result<Migration> json = ParseMigration(kSplitNameJson, "x.json");
  ASSERT_TRUE(yaml.ok() && json.ok());
  ClearLocations(*yaml);
  ClearLocations(*json);
  yaml->source_file = json->source_file;
  EXPECT_EQ(*yaml, *json);
}

TEST(ParserTest, RawJsonIsTheCanonicalJson) {
  Result<Migration> m = ParseMigration(kSplitNameYaml, "02_split_name.yaml");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->raw_json, ToJson(*m));
  nlohmann::json j = nlohmann::json::parse(m->raw_json);
  EXPECT_EQ(j["name"], "02_split_name");
  EXPECT_EQ(j["operations"][2]["drop_column"]["column"], "name");
  EXPECT_EQ(j["operations"][0]["add_column"]["column"]["nullable"], true);
}

TEST(ParserTest, ToJsonOmitsDefaults) {
  Result<Migration> m = ParseMigration(
      "operations:\n"
      "  - add_column: {table: t, column: {name: c, type: int}}\n"
      "  - create_index: {name: i, table: t, columns: [{column: c}]}\n",
      "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  nlohmann::json j = nlohmann::json::parse(ToJson(*m));
  EXPECT_EQ(
      j["operations"][0]["add_column"],
      nlohmann::json::parse(R"json({"table": "t", "column": {"name": "c", "type": "int"}})json"));
  EXPECT_FALSE(j["operations"][1]["create_index"].contains("method"));
  EXPECT_FALSE(j.contains("version_schema"));
}

TEST(ParserTest, NullableDefaultsToFalse) {
  Result<Migration> m = ParseMigration(
      "operations:\n  - add_column: {table: t, column: {name: c, type: int}}\n", "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Column& column = std::get<OpAddColumn>(m->operations[0].body).column;
  EXPECT_FALSE(column.nullable);
  EXPECT_FALSE(column.pk);
  EXPECT_FALSE(column.default_value.has_value());
}

TEST(ParserTest, NameFromFileOrExplicit) {
  const std::string ops = "operations: []\n";
  EXPECT_EQ(ParseMigration(ops, "dir/01_init.yaml")->name, "01_init");
  EXPECT_EQ(ParseMigration(ops, "01_init.yml")->name, "01_init");
  EXPECT_EQ(ParseMigration(ops, "/a/b/01_init.json")->name, "01_init");
  EXPECT_EQ(ParseMigration(ops, "01_init.txt")->name, "01_init.txt");
  Result<Migration> named = ParseMigration("name: custom\n" + ops, "01_init.yaml");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "custom");
  EXPECT_TRUE(named->operations.empty());
}

TEST(ParserTest, VersionSchema) {
  Result<Migration> m = ParseMigration("version_schema: v1\noperations: []\n", "m.yaml");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->version_schema, "v1");
}

TEST(ParserTest, ScalarForms) {
  Result<Migration> m = ParseMigration(R"yaml(operations:
  - create_table:
      name: t
      columns:
        - {name: a, type: int, default: 0}
        - {name: b, type: bool, default: false}
        - {name: c, type: text, default: '''unknown event'''}
  - alter_column: {table: t, column: a, default: null, comment: null}
  - alter_column: {table: t, column: b, default: "null", nullable: false}
)yaml",
                                       "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const auto& columns = std::get<OpCreateTable>(m->operations[0].body).columns;
  EXPECT_EQ(columns[0].default_value, "0");
  EXPECT_EQ(columns[1].default_value, "false");
  EXPECT_EQ(columns[2].default_value, "'unknown event'");
  const auto& drop_default = std::get<OpAlterColumn>(m->operations[1].body);
  ASSERT_TRUE(drop_default.default_value.has_value());
  EXPECT_TRUE(drop_default.default_value->is_null);
  ASSERT_TRUE(drop_default.comment.has_value());
  EXPECT_TRUE(drop_default.comment->is_null);
  EXPECT_FALSE(drop_default.nullable.has_value());
  const auto& quoted_null = std::get<OpAlterColumn>(m->operations[2].body);
  EXPECT_FALSE(quoted_null.default_value->is_null);
  EXPECT_EQ(quoted_null.default_value->value, "null");
  EXPECT_EQ(quoted_null.nullable, false);
}

// Every example of pgroll's repository parses, and ToJson reproduces it.
TEST(ParserTest, AllPgrollExamplesParseAndRoundTrip) {
  ZS_REQUIRE_PGROLL_EXAMPLES();
  std::vector<fs::path> files = ExampleFiles();
  ASSERT_EQ(files.size(), 56u) << "examples not found in " << ExamplesDir();
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    Result<Migration> m = LoadMigrationFile(file.string());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->name, file.stem().string());
    EXPECT_FALSE(m->operations.empty());
    Result<Migration> again = ParseMigration(ToJson(*m), m->source_file);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << ToJson(*m);
    Migration expected = *m;
    ClearLocations(expected);
    ClearLocations(*again);
    EXPECT_EQ(expected, *again) << ToJson(*m) << "\n" << ToJson(*again);
  }
}

// Every field of the model, each set away from its default, survives ToJson.
TEST(ParserTest, EveryFieldRoundTrips) {
  Result<Migration> m = ParseMigration(R"yaml(name: everything
version_schema: vs
operations:
  - create_table:
      name: t
      comment: table comment
      columns:
        - name: id
          type: bigint
          pk: true
          generated: {identity: {sequence_options: START 10, user_specified_values: BY DEFAULT}}
        - name: g
          type: int
          generated: {expression: id * 2}
        - name: c
          type: text
          nullable: true
          unique: true
          default: "''"
          comment: ""
          check: {name: ck, constraint: length(c) > 0, no_inherit: true}
          references: {name: fk, table: u, column: id, match_type: FULL, on_delete: SET NULL,
                       on_update: RESTRICT, deferrable: true, initially_deferred: true}
      constraints:
        - name: uq
          type: unique
          columns: [a, b]
          deferrable: true
          initially_deferred: true
          nulls_not_distinct: true
          index_parameters: {tablespace: ts, storage_parameters: fillfactor=70, include_columns: [c]}
        - {name: ck, type: check, check: a > 0, no_inherit: true}
        - name: fk
          type: foreign_key
          columns: [a]
          references: {table: u, columns: [id], match_type: PARTIAL, on_update: CASCADE,
                       on_delete: SET DEFAULT, on_delete_set_columns: [a]}
        - {name: ex, type: exclude, exclude: {index_method: gist, elements: c WITH =, predicate: c IS NOT NULL}}
  - add_column: {table: t, up: "1", column: {name: n, type: int, default: "0"}}
  - drop_column: {table: t, column: n, down: "0"}
  - rename_column: {table: t, from: a, to: b}
  - alter_column: {table: t, column: c, type: varchar, nullable: true, default: x, comment: y,
                   check: {name: k, constraint: "true"}, unique: {name: u},
                   references: {name: f, table: u, column: id}, up: u, down: d}
  - alter_column: {table: t, column: c, default: null, comment: null}
  - drop_table: {name: old}
  - rename_table: {from: a, to: b}
  - sql: {up: select 1, down: select 2}
  - sql: {up: select 3, onComplete: true}
  - create_index:
      name: i
      table: t
      columns:
        - {column: a, collate: C, sort: DESC, nulls: LAST, opclass: {name: text_pattern_ops, params: [p]}}
        - {column: b, opclass: {}}
      predicate: a > 0
      method: gin
      storage_parameters: fastupdate=off
      unique: true
  - drop_index: {name: i}
  - drop_constraint: {table: t, name: ck, up: a, down: b}
  - drop_multicolumn_constraint: {table: t, name: ck, up: {a: a}, down: {a: a, b: b}}
  - rename_constraint: {table: t, from: a, to: b}
  - set_replica_identity: {table: t, identity: {type: full, index: ""}}
  - create_constraint:
      table: t
      name: cc
      type: unique
      columns: [a]
      index_parameters: {tablespace: ts}
      up: {a: a}
      down: {a: a}
  - create_constraint:
      {table: t, name: ck2, type: check, columns: [a], check: a > 1, no_inherit: true}
  - create_constraint:
      {table: t, name: fk2, type: foreign_key, columns: [a], references: {table: u, columns: [id]}}
)yaml",
                                       "everything.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->operations.size(), 19u);
  Result<Migration> again = ParseMigration(ToJson(*m), "everything.yaml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Migration expected = *m;
  ClearLocations(expected);
  ClearLocations(*again);
  EXPECT_EQ(expected, *again) << ToJson(*m) << "\n" << ToJson(*again);
  // Spot checks that the fields were read at all (a field both the reader
  // and ToJson forgot would otherwise round-trip silently).
  const auto& table = std::get<OpCreateTable>(m->operations[0].body);
  EXPECT_EQ(table.columns[0].generated->identity->user_specified_values, "BY DEFAULT");
  EXPECT_EQ(table.columns[2].references->on_delete, "SET NULL");
  EXPECT_EQ(table.columns[2].comment, "");
  EXPECT_EQ(table.constraints[2].references->on_delete_set_columns, std::vector<std::string>{"a"});
  EXPECT_EQ(table.constraints[3].exclude->index_method, "gist");
  const auto& index = std::get<OpCreateIndex>(m->operations[10].body);
  EXPECT_EQ(index.columns[0].opclass->params, std::vector<std::string>{"p"});
  EXPECT_TRUE(index.columns[1].opclass.has_value());
  EXPECT_TRUE(std::get<OpRawSql>(m->operations[9].body).on_complete);
  EXPECT_EQ(std::get<OpSetReplicaIdentity>(m->operations[15].body).identity_type, "full");
  EXPECT_EQ(std::get<OpCreateConstraint>(m->operations[16].body).index_parameters->tablespace,
            "ts");
}

TEST(ParserTest, ExampleDetails) {
  ZS_REQUIRE_PGROLL_EXAMPLES();
  Result<Migration> m =
      LoadMigrationFile((ExamplesDir() / "35_alter_column_multiple.yaml").string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const auto& op = std::get<OpAlterColumn>(m->operations[0].body);
  EXPECT_EQ(op.type, "text");
  EXPECT_EQ(op.default_value->value, "'unknown event'");
  EXPECT_EQ(op.unique->name, "events_event_name_unique");
  EXPECT_EQ(op.check->constraint, "length(name) > 3");

  m = LoadMigrationFile((ExamplesDir() / "29_set_replica_identity.yaml").string());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const auto& identity = std::get<OpSetReplicaIdentity>(m->operations[0].body);
  EXPECT_EQ(identity.identity_type, "index");
  EXPECT_EQ(identity.index, "fruits_pkey");

  m = LoadMigrationFile((ExamplesDir() / "56_with_version_schema.yaml").string());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->version_schema, "with_version_schema");

  m = LoadMigrationFile(
      (ExamplesDir() / "51_create_table_with_table_foreign_key_constraint.yaml").string());
  ASSERT_TRUE(m.ok());
  const auto& fk = std::get<OpCreateTable>(m->operations[0].body).constraints[1];
  EXPECT_EQ(fk.type, "foreign_key");
  EXPECT_EQ(fk.references->on_delete, "CASCADE");
  EXPECT_EQ(fk.references->columns, std::vector<std::string>{"id"});
}

}  // namespace
}  // namespace zs::migration
