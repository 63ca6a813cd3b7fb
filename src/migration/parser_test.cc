#include "migration/parser.h"
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

constexpr const char* kSplitNameYaml = zs::testing::kSplitNameYaml;

constexpr const char* kSplitNameJson = R"json({
  "operations": [
    {"add_column": {"table": "users", "up": "split_part(name, ' ', 1)",
                    "column": {"name": "first_name", "type": "text", "nullable": true}}},
    {"add_column": {"table": "users", "up": "split_part(name, ' ', 2)",
                    "column": {"name": "last_name", "type": "text", "nullable": true}}},
    {"drop_column": {"table": "users", "column": "name",
                     "down": "first_name || ' ' || last_name"}}
  ]
})json";

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

void ExpectSplitName(const Migration& m) {
  ASSERT_EQ(m.operations.size(), 3u);
  EXPECT_EQ(m.operations[0].kind, "add_column");
  const auto& first = std::get<OpAddColumn>(m.operations[0].body);
  EXPECT_EQ(first.table, "users");
  EXPECT_EQ(first.up, "split_part(name, ' ', 1)");
  EXPECT_EQ(first.column.name, "first_name");
  EXPECT_EQ(first.column.type, "text");
  EXPECT_TRUE(first.column.nullable);
  EXPECT_EQ(std::get<OpAddColumn>(m.operations[1].body).column.name, "last_name");
  EXPECT_EQ(m.operations[2].kind, "drop_column");
  const auto& drop = std::get<OpDropColumn>(m.operations[2].body);
  EXPECT_EQ(drop.table, "users");
  EXPECT_EQ(drop.column, "name");
  EXPECT_EQ(drop.down, "first_name || ' ' || last_name");
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

// Data-file style: each case is a document and a substring its error must contain.
struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* error;
};

const ErrorCase kErrorCases[] = {
    {"misspelt key with suggestion",
     "operations:\n"
     "  - add_column:\n"
     "      table: users\n"
     "      column: {name: a, type: int}\n"
     "  - add_column:\n"
     "      table: users\n"
     "      colum: {name: b, type: int}\n",
     "02_split_name.yaml:7:7: unknown key \"colum\" in add_column (expected one of: table, "
     "column, up); did you mean \"column\"?"},
    {"unknown key far from any", "operations:\n  - drop_table: {name: t, zzzzzzzz: 1}\n",
     "2:27: unknown key \"zzzzzzzz\" in drop_table (expected one of: name)"},
    {"nested unknown key",
     "operations:\n  - add_column:\n      table: t\n      column:\n        name: c\n"
     "        type: int\n        nullabel: true\n",
     "7:9: unknown key \"nullabel\" in add_column.column (expected one of: name, type, nullable, "
     "pk, unique, default, check, references, comment, generated); did you mean \"nullable\"?"},
    {"unknown top-level key", "operation: []\n",
     "1:1: unknown key \"operation\" in migration (expected one of: name, version_schema, "
     "operations); did you mean \"operations\"?"},
    {"unknown operation", "operations:\n  - add_colum: {table: t}\n",
     "2:5: unknown operation \"add_colum\" (expected one of: create_table, add_column, "},
    {"unknown operation suggestion", "operations:\n  - add_colum: {table: t}\n",
     "did you mean \"add_column\"?"},
    {"operation with two keys",
     "operations:\n  - drop_table: {name: a}\n    drop_index: {name: b}\n",
     "2:5: migration.operations[0] must be a mapping with exactly one key"},
    {"operation is a string", "operations:\n  - drop_table\n",
     "2:5: migration.operations[0] must be a mapping with exactly one key"},
    {"string expected, got sequence", "operations:\n  - drop_table: {name: [a, b]}\n",
     "2:24: drop_table.name must be a string, got a sequence"},
    {"string expected, got null", "operations:\n  - drop_table: {name: null}\n",
     "drop_table.name must be a string, got null"},
    {"operations not a list", "operations: {a: 1}\n",
     "1:13: migration.operations must be a sequence, got a mapping"},
    {"body not a mapping", "operations:\n  - drop_table: t\n",
     "2:17: drop_table must be a mapping, got a scalar"},
    {"bool expected",
     "operations:\n  - add_column: {table: t, column: {name: c, type: int, "
     "nullable: yes}}\n",
     "add_column.column.nullable must be true or false, got \"yes\""},
    {"quoted bool",
     "operations:\n  - create_index: {name: i, table: t, columns: [], "
     "unique: \"true\"}\n",
     "create_index.unique must be true or false, got \"true\""},
    {"missing required", "operations:\n  - alter_column:\n      table: t\n      nullable: true\n",
     "3:7: missing required key \"column\" in alter_column"},
    {"missing required nested", "operations:\n  - add_column: {table: t, column: {name: c}}\n",
     "2:36: missing required key \"type\" in add_column.column"},
    {"missing operations", "name: x\n", "1:1: missing required key \"operations\" in migration"},
    {"bad index method",
     "operations:\n  - create_index: {name: i, table: t, columns: [], method: hsah}\n",
     "invalid value \"hsah\" for create_index.method (expected one of: btree, hash, gist, "
     "spgist, gin, brin); did you mean \"hash\"?"},
    {"bad sort",
     "operations:\n  - create_index: {name: i, table: t, columns: [{column: c, "
     "sort: asc}]}\n",
     "invalid value \"asc\" for create_index.columns[0].sort (expected one of: ASC, DESC)"},
    {"bad nulls",
     "operations:\n  - create_index: {name: i, table: t, columns: [{column: c, "
     "nulls: NONE}]}\n",
     "create_index.columns[0].nulls"},
    {"bad on_delete",
     "operations:\n  - alter_column: {table: t, column: c, references: {name: f, table: u, "
     "column: id, on_delete: DELETE}}\n",
     "invalid value \"DELETE\" for alter_column.references.on_delete"},
    {"bad match_type",
     "operations:\n  - create_constraint: {table: t, name: f, type: foreign_key, columns: [a], "
     "references: {table: u, columns: [b], match_type: LOOSE}}\n",
     "create_constraint.references.match_type"},
    {"bad constraint type",
     "operations:\n  - create_constraint: {table: t, name: x, type: exclude}\n",
     "invalid value \"exclude\" for create_constraint.type"},
    {"bad table constraint type",
     "operations:\n  - create_table: {name: t, columns: [], constraints: [{name: x, type: "
     "uniq}]}\n",
     "create_table.constraints[0].type"},
    {"bad identity values",
     "operations:\n  - add_column: {table: t, column: {name: c, type: int, generated: "
     "{identity: {user_specified_values: SOMETIMES}}}}\n",
     "add_column.column.generated.identity.user_specified_values"},
    {"sql down with onComplete", "operations:\n  - sql: {up: a, down: b, onComplete: true}\n",
     "cannot have both \"down\" and \"onComplete\""},
    {"duplicate key", "operations:\n  - drop_table: {name: a, name: b}\n",
     "duplicate key \"name\" in drop_table"},
    {"multi-column map of lists",
     "operations:\n  - drop_multicolumn_constraint: {table: t, name: c, down: {a: [x]}}\n",
     "drop_multicolumn_constraint.down.a must be a string, got a sequence"},
    {"document not a mapping", "- a\n- b\n", "1:1: migration must be a mapping, got a sequence"},
    {"malformed yaml", "operations:\n  - add_column: {table: t\n",
     "02_split_name.yaml:3:1: invalid YAML: "},
    {"bad indentation", "operations:\n  - drop_table:\n      name: a\n     bad: b\n",
     "invalid YAML"},
    {"empty document", "", "02_split_name.yaml: empty migration file"},
    {"comments only", "# nothing\n", "empty migration file"},
    {"two documents", "operations: []\n---\noperations: []\n", "a single YAML document"},
    {"empty name", "name: ''\noperations: []\n", "empty name"},
};

TEST(ParserTest, ErrorCases) {
  for (const ErrorCase& c : kErrorCases) {
    SCOPED_TRACE(c.name);
    Result<Migration> m = ParseMigration(c.yaml, "02_split_name.yaml");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), Code::kInvalidInput);
    EXPECT_NE(m.status().message().find(c.error), std::string::npos)
        << "got: " << m.status().message() << "\nwant substring: " << c.error;
  }
}

// Found by fuzz/migration_fuzz.cc: yaml-cpp 0.7's LoadAll never consumes a
// "," where a document starts and collected empty documents until it ran out
// of memory (about 4 GB for the one-byte file, tens of seconds).
TEST(ParserTest, CommaWhereADocumentStartsIsAnErrorNotAnEndlessLoop) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {",", "02_split_name.yaml:1:1: invalid YAML: unexpected \",\""},
           {"  ,\n", "02_split_name.yaml:1:3: invalid YAML: unexpected \",\""},
           {"operations: []\n---\n,", "02_split_name.yaml:3:1: invalid YAML: unexpected \",\""},
           {", name TEXT)\n      down: D\x86\x86operations:\n  - (set_replica_identER PRIMARY KEY, "
            "name TEXT)\n      down: D\x86\x86\x86\x86_pkey\n",
            "02_split_name.yaml:1:1: invalid YAML"},
       }) {
    SCOPED_TRACE(c.text);
    Result<Migration> m = ParseMigration(c.text, "02_split_name.yaml");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), Code::kInvalidInput);
    EXPECT_NE(m.status().message().find(c.error), std::string::npos)
        << "got: " << m.status().message() << "\nwant substring: " << c.error;
  }
}

// One long string repeated through YAML aliases: few elements, so the
// element budget lets it through, but every use copies the whole string (a
// 4 MB scalar repeated 1.5 M times is 6 TB). The bytes of the strings read
// are bounded by the size of the file.
TEST(ParserTest, AliasesOfALongStringAreBoundedInBytes) {
  const std::string long_text(64 * 1024, 'x');
  std::string as_value = "operations:\n  - sql: {up: &s " + long_text + "}\n";
  for (int i = 0; i < 2000; ++i) {
    as_value += "  - sql: {up: *s}\n";
  }
  Result<Migration> bomb = ParseMigration(as_value, "bomb.yaml");
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), Code::kInvalidInput);
  EXPECT_NE(bomb.status().message().find("bomb.yaml:"), std::string::npos)
      << bomb.status().message().substr(0, 300);
  EXPECT_NE(bomb.status().message().find("aliases"), std::string::npos)
      << bomb.status().message().substr(0, 300);
  // The same string written out once per use is not refused for its size.
  std::string written = "operations:\n";
  for (int i = 0; i < 20; ++i) written += "  - sql: {up: " + long_text + "}\n";
  Result<Migration> m = ParseMigration(written, "long.yaml");
  ASSERT_TRUE(m.ok()) << m.status().ToString().substr(0, 300);
  EXPECT_EQ(m->operations.size(), 20u);
}

class LoadMigrationFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zs_parser_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  fs::path dir_;
};

TEST_F(LoadMigrationFileTest, ReadsYamlAndJson) {
  Result<Migration> yaml = LoadMigrationFile(Write("02_split_name.yaml", kSplitNameYaml));
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  EXPECT_EQ(yaml->name, "02_split_name");
  ExpectSplitName(*yaml);
  Result<Migration> json = LoadMigrationFile(Write("03_split.json", kSplitNameJson));
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->name, "03_split");
}

TEST_F(LoadMigrationFileTest, ErrorsNameThePath) {
  std::string path = Write("bad.yaml", "operations:\n  - drop_tabel: {name: t}\n");
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().rfind(path + ":2:5: unknown operation", 0), 0u)
      << m.status().message();
}

TEST_F(LoadMigrationFileTest, MissingFile) {
  std::string path = (dir_ / "missing.yaml").string();
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kIo);
  EXPECT_NE(m.status().message().find(path), std::string::npos);
}

TEST_F(LoadMigrationFileTest, DirectoryIsNotAFile) {
  Result<Migration> m = LoadMigrationFile(dir_.string());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("not a regular file"), std::string::npos);
}

TEST_F(LoadMigrationFileTest, EmptyFile) {
  Result<Migration> m = LoadMigrationFile(Write("empty.yaml", ""));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("empty migration file"), std::string::npos);
}

TEST_F(LoadMigrationFileTest, RejectsHugeFile) {
  std::string path = Write("huge.yaml", "operations: []\n" + std::string(10 * 1024 * 1024, '#'));
  Result<Migration> m = LoadMigrationFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("10 MiB"), std::string::npos) << m.status().message();
}

// A file in an older form is read, and the user is told once, with file:line,
// however often the process loads it.
TEST_F(LoadMigrationFileTest, OlderFormIsReadAndSaidOnce) {
  std::vector<std::string> warnings;
  WarningSink previous =
      SetWarningSink([&](const std::string& message) { warnings.push_back(message); });
  std::string path = Write("03_index.yaml",
                           "operations:\n"
                           "  - create_index:\n"
                           "      {name: idx_users_name, table: users, columns: [first_name]}\n");
  for (int i = 0; i < 3; ++i) {
    Result<Migration> m = LoadMigrationFile(path);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const auto& index = std::get<OpCreateIndex>(m->operations[0].body);
    ASSERT_EQ(index.columns.size(), 1u);
    EXPECT_EQ(index.columns[0].column, "first_name");
  }
  SetWarningSink(previous);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(path + ":3:53: the file uses an older form"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("zeroshift update " + dir_.string()), std::string::npos)
      << warnings[0];
}

TEST_F(LoadMigrationFileTest, CurrentFormSaysNothing) {
  std::vector<std::string> warnings;
  WarningSink previous =
      SetWarningSink([&](const std::string& message) { warnings.push_back(message); });
  Result<Migration> m = LoadMigrationFile(Write("02_split_name.yaml", kSplitNameYaml));
  SetWarningSink(previous);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(warnings.empty());
}

// Older forms are rewritten in the YAML tree before the strict reader runs:
// operations that are aliases of one anchor must not multiply that work
// beyond one rewrite per operation, and each is read as today's form.
TEST(ParserTest, OlderFormsThroughAliasesAreReadOnce) {
  std::string text =
      "operations:\n"
      "  - &rename {alter_column: {table: users, column: name, name: full_name}}\n"
      "  - create_index: &idx {name: i, table: users, columns: [a, b]}\n"
      "  - create_index: *idx\n";
  constexpr int kAliases = 2000;
  for (int i = 0; i < kAliases; ++i) text += "  - *rename\n";
  std::vector<OlderForm> older;
  Result<Migration> m = ParseMigration(text, "aliases.yaml", &older);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->operations.size(), static_cast<size_t>(kAliases + 3));
  EXPECT_EQ(m->operations[0].kind, "rename_column");
  EXPECT_EQ(std::get<OpCreateIndex>(m->operations[1].body).columns.size(), 2u);
  EXPECT_EQ(std::get<OpCreateIndex>(m->operations[2].body).columns.size(), 2u);
  EXPECT_EQ(older.size(), static_cast<size_t>(kAliases + 2));
}

TEST(SourceLocationTest, ToString) {
  EXPECT_EQ((SourceLocation{"a.yaml", 3, 7}).ToString(), "a.yaml:3:7");
  EXPECT_EQ((SourceLocation{"a.yaml", 0, 0}).ToString(), "a.yaml");
}

}  // namespace
}  // namespace zs::migration
