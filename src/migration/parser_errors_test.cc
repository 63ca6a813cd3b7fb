// The parser's refusals: malformed documents and the error each must name,
// inputs that once made the YAML reader loop or blow up (aliases), and
// source locations.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "migration/parser.h"

namespace zs::migration {
namespace {

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
