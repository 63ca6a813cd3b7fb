// Hostile identifiers and migration names, through the engine API and the
// real binary: refused ones name the file and leave the database untouched
// (hostile_input_test_util.h); valid ones run the whole lifecycle.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "migration/hostile_input_test_util.h"

namespace zs::migration {
namespace {

using namespace hostile;  // NOLINT(google-build-using-namespace): the shared fixture

// ----------------------------------------------------------------- identifiers

// A migration name becomes a file name (`pull`), a schema name, SQL comments
// in `plan` and the bare output of `latest`: `/`, `..` and control
// characters are refused where the name enters, naming the file.
TEST_F(HostileInput, MigrationNamesThatLeaveADirectoryOrALineAreRefused) {
  const std::string ops = "operations:\n  - sql:\n      up: SELECT 1\n";
  std::vector<Case> cases = {
      {"name with ..", "name: ../../etc/evil\n" + ops, {"migration name", "starts with `.`"}},
      {"name with .. inside", "name: a/../../b\n" + ops, {"migration name", "`..`"}},
      {"name that is ..", "name: ..\n" + ops, {"migration name", "starts with `.`"}},
      {"absolute name", "name: /tmp/evil\n" + ops, {"migration name", "`/`"}},
      {"name with a newline",
       "name: \"x\\nDROP TABLE users; --\"\n" + ops,
       {"migration name", "control character 0x0a"}},
      {"name with a quote",
       "name: \"x'; DROP TABLE users; --\"\n" + ops,
       {"migration name", "`'`"}},
      {"name with a backslash", "name: \"a\\\\b\"\n" + ops, {"migration name", "`\\`"}},
      {"name 64 bytes long",
       "name: " + std::string(64, 'n') + "\n" + ops,
       {"migration name", "64 bytes"}},
      {"name with a bidi override", "name: \"a\u202Eb\"\n" + ops, {"migration name"}},
      {"name starting with -", "name: -rf\n" + ops, {"migration name", "starts with"}},
      {"version_schema with ..",
       "name: fine\nversion_schema: a..b\n" + ops,
       {"version_schema", "`..`"}},
      {"version_schema with a newline",
       "name: fine\nversion_schema: \"a\\nb\"\n" + ops,
       {"version_schema", "0x0a"}},
  };
  ExpectRejected(cases);
  // A name taken from the file name is checked the same way.
  fs::path file = Write("evil\nDROP TABLE users.yaml", ops);
  Result<Migration> loaded = LoadMigrationFile(file.string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("(from the file name)"), std::string::npos)
      << loaded.status().message();
  // A migration built in code (not parsed) is refused by the engine before
  // anything runs.
  Migration built;
  built.name = "x\nDROP TABLE users; --";
  engine::Engine engine = Connect();
  Result<engine::Plan> plan = engine.PlanMigration(built);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("control character"), std::string::npos);
  EXPECT_FALSE(engine.Start(built).ok());
  EXPECT_EQ(Snapshot(*conn_), baseline_);
  // Valid names, Unicode letters included, are accepted.
  for (const std::string& name :
       {std::string("01_split-name.v2"), std::string("ünïcödé_名前"), std::string(63, 'n')}) {
    EXPECT_TRUE(ValidateMigrationName(name, "test").ok()) << name;
  }
}

// `plan` prints ids, tables and reasons in `--` comments: a control
// character in any of them is escaped, so no line of a comment becomes SQL.
TEST(PlanComments, ControlCharactersCannotEndAComment) {
  ops::Action action{.id = "add_column:x\nDROP TABLE users; --:add",
                     .sql = "SELECT 1;",
                     .lock = ops::Lock::kAccessExclusive,
                     .table = "t\rDROP TABLE users;"};
  std::string text = ops::FormatActions({action});
  EXPECT_EQ(text,
            "-- add_column:x\\x0aDROP TABLE users; --:add  [ACCESS EXCLUSIVE on "
            "t\\x0dDROP TABLE users;]\nSELECT 1;\n");
  engine::Plan plan;
  plan.version_schema = "public_a\nDROP TABLE users;";
  plan.warnings.push_back("w\nDROP TABLE users;");
  plan.backfill.push_back({.table = "t\nDROP TABLE x;", .touch_column = "c", .reason = "r"});
  std::string formatted = engine::FormatPlan(plan);
  std::istringstream lines(formatted);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.empty() || line.starts_with("--")) << "a live line: " << line;
  }
}

TEST_F(HostileInput, BadIdentifiersAreRefusedWithAClearError) {
  const std::string b63(63, 'b'), b64(64, 'b'), b100(100, 'b');
  std::string e64;  // 32 x "é": 64 bytes, 32 characters
  for (int i = 0; i < 32; ++i) e64 += "é";
  std::string ri65 = std::string(62, 'r') + "日";  // 65 bytes, 63 characters
  struct Name {
    std::string label;
    std::string name;
    std::string culprit;
  };
  const std::vector<Name> names = {
      {"double quote", "a\"b", "double quote"},
      {"quote-escape attempt", "x\" text); DROP TABLE users; --", "double quote"},
      {"space", "first name", "a space"},
      {"semicolon", "a;DROP TABLE users", "semicolon"},
      {"tab", "a\tb", "a tab"},
      {"line break", "a\nDROP TABLE users", "line break"},
      {"control character (BEL)",
       "a\x07"
       "b",
       "control character"},
      {"DEL",
       "a\x7f"
       "b",
       "control character"},
      {"64 ASCII bytes", b64, "64 bytes"},
      {"64 bytes of 32 two-byte characters", e64, "64 bytes"},
      {"63 characters, 65 bytes", ri65, "65 bytes"},
      {"100 bytes", b100, "100 bytes"},
      {"empty", "", "empty"},
  };
  std::vector<Case> cases;
  for (const auto& n : names) {
    const std::string q = Quoted(n.name);
    cases.push_back({"add_column name: " + n.label,
                     AddColumn(fmt::format("{{name: {}, type: text, nullable: true}}", q), "name"),
                     {n.culprit},
                     2});
    cases.push_back({"create_table name: " + n.label,
                     fmt::format("operations:\n  - create_table:\n      name: {}\n      columns: "
                                 "[{{name: id, type: int, pk: true}}]\n",
                                 q),
                     {n.culprit},
                     2});
  }
  // Every other place a new name is given, with one bad name each.
  const std::string q64 = Quoted(b64);
  cases.push_back({"create_table column name: 64 bytes",
                   "operations:\n  - create_table:\n      name: t\n      columns:\n"
                   "        - {name: " +
                       q64 + ", type: int}\n",
                   {"64 bytes"},
                   2});
  cases.push_back({"rename_column to: double quote",
                   "operations:\n  - rename_column: {table: users, from: email, to: 'e\"mail'}\n",
                   {"double quote"},
                   2});
  cases.push_back({"rename_column to: 64 bytes",
                   "operations:\n  - rename_column: {table: users, from: email, to: " + q64 + "}\n",
                   {"64 bytes"},
                   2});
  cases.push_back({"rename_table to: semicolon",
                   "operations:\n  - rename_table: {from: scores, to: 'x; DROP TABLE users'}\n",
                   {"semicolon"},
                   2});
  cases.push_back({"rename_table to: 64 bytes",
                   "operations:\n  - rename_table: {from: scores, to: " + q64 + "}\n",
                   {"64 bytes"},
                   2});
  cases.push_back({"check constraint name: 64 bytes",
                   AddColumn("{name: c, type: int, nullable: true, check: {name: " + q64 +
                                 ", constraint: 'c > 0'}}",
                             "'1'"),
                   {"64 bytes"},
                   2});
  cases.push_back({"foreign key name: space",
                   AddColumn("{name: c, type: bigint, nullable: true, references: {name: 'fk "
                             "users', table: users, column: id}}",
                             "id"),
                   {"a space"},
                   2});
  // The version schema is "<schema>_<name>": past 63 bytes PostgreSQL would cut it.
  cases.push_back({"migration name making the version schema 64+ bytes",
                   "name: m_" + std::string(60, 'v') +
                       "\noperations:\n  - add_column: {table: users, up: name, column: {name: "
                       "c, type: text, nullable: true}}\n",
                   {"63 bytes"}});
  cases.push_back({"version_schema of 63 bytes (70 with the schema prefix)",
                   "version_schema: " + b63 +
                       "\noperations:\n  - add_column: {table: users, up: name, column: {name: "
                       "c, type: text, nullable: true}}\n",
                   {"63 bytes"}});
  ExpectRejected(cases);
}

// Names PostgreSQL accepts when quoted, on the user's existing objects and on
// new ones: reserved words, unicode, mixed case, exactly 63 bytes, and (for
// objects that already exist, and the migration and schema names) quotes,
// spaces and semicolons. The whole lifecycle runs on them.
TEST_F(HostileInput, HostileButValidNamesRunTheWholeLifecycle) {
  const std::string base = "app \"x\"; y";              // the --schema
  const std::string table = "user \"accounts\"; -- x";  // existing table
  const std::string full = "full name";                 // existing column
  const std::string c63(63, 'c');                       // new column, 63 bytes
  std::string j63;                                      // new column, 21 x 3 bytes
  for (int i = 0; i < 21; ++i) j63 += "日";
  // Migration names are checked where they enter (ValidateMigrationName):
  // quotes and `;` are refused, Unicode letters are not.
  const std::string migration = "m_q-ü.1";
  const std::string version = base + "_" + migration;
  const std::string yaml = fmt::format(
      R"yaml(name: {0}
operations:
  - add_column:
      table: {1}
      up: split_part("full name", ' ', 1)
      column: {{name: 名前, type: text, nullable: true}}
  - add_column:
      table: {1}
      up: split_part("full name", ' ', 2)
      column: {{name: select, type: text, nullable: true}}
  - add_column:
      table: {1}
      up: length("full name")
      column: {{name: {2}, type: int, nullable: true}}
  - add_column:
      table: {1}
      up: upper("full name")
      column: {{name: {3}, type: text, nullable: true}}
  - add_column:
      table: {1}
      up: lower("full name")
      column: {{name: CamelCase, type: text, nullable: true}}
  - drop_column:
      table: {1}
      column: full name
      down: 名前 || ' ' || "select"
)yaml",
      Quoted(migration), Quoted(table), c63, j63);
  const std::string qt = pg::QuoteIdent(table);
  const std::string new_columns = fmt::format(
      "\"名前\" || '|' || \"select\" || '|' || \"{}\" || '|' || \"{}\" || '|' || \"CamelCase\"",
      c63, j63);
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    ++g_tried;
    std::string url = zs::testing::FreshDatabaseUrl();
    pg::Connection admin = Open(url);
    MustRun(admin, fmt::format("CREATE SCHEMA {0}; SET search_path TO {0};"
                               "CREATE TABLE {1} (id bigserial PRIMARY KEY, {2} text NOT NULL);"
                               "INSERT INTO {1} ({2}) VALUES ('Ada Lovelace'), ('Alan Turing');",
                               pg::QuoteIdent(base), qt, pg::QuoteIdent(full)));
    fs::path file = Write("hostile_names.yaml", yaml);
    // Through the binary, with the hostile schema on the command line.
    ProcessRun init = RunBinary({"init", "--postgres-url", url});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    std::string before_start = Snapshot(admin, /*physical=*/false);
    ProcessRun start = RunBinary({"start", file.string(), "--schema", base, "--postgres-url", url});
    ASSERT_EQ(start.exit_code, 0) << start.err;
    ProcessRun status = RunBinary({"status", "--schema", base, "--postgres-url", url});
    EXPECT_NE(status.out.find("\"step\": \"active\""), std::string::npos) << status.out;
    ProcessRun latest = RunBinary({"latest", "--schema", base, "--postgres-url", url});
    EXPECT_EQ(latest.out, version + "\n");

    pg::Connection old_version = Open(url);
    MustRun(old_version, "SET search_path TO " + pg::QuoteIdent(base));
    pg::Connection new_version = Open(url);
    MustRun(new_version, "SET search_path TO " + pg::QuoteIdent(version));
    EXPECT_EQ(Value(new_version, fmt::format("SELECT {} FROM {} WHERE id = 1", new_columns, qt)),
              fmt::format("Ada|Lovelace|12|ADA LOVELACE|ada lovelace"));
    MustRun(old_version, fmt::format("INSERT INTO {} (\"full name\") VALUES ('Grace Hopper')", qt));
    EXPECT_EQ(Value(new_version, fmt::format("SELECT {} FROM {} WHERE id = 3", new_columns, qt)),
              "Grace|Hopper|12|GRACE HOPPER|grace hopper");
    // The version's views apply the caller's privileges and row-level security.
    EXPECT_EQ(
        Value(admin, fmt::format("SELECT bool_and(c.reloptions @> '{{security_invoker=true}}') "
                                 "FROM pg_class c WHERE c.relkind = 'v' AND "
                                 "c.relnamespace = {}::regnamespace",
                                 pg::QuoteLiteral(pg::QuoteIdent(version)))),
        "t");
    ProcessRun verify = RunBinary({"verify", "--schema", base, "--postgres-url", url});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    MustRun(
        new_version,
        fmt::format("INSERT INTO {} (\"名前\", \"select\") VALUES ('Katherine', 'Johnson')", qt));
    EXPECT_EQ(Value(old_version, fmt::format("SELECT \"full name\" FROM {} WHERE id = 4", qt)),
              "Katherine Johnson");
    MustRun(new_version, fmt::format("UPDATE {} SET \"select\" = 'Byron' WHERE id = 1", qt));
    EXPECT_EQ(Value(old_version, fmt::format("SELECT \"full name\" FROM {} WHERE id = 1", qt)),
              "Ada Byron");
    std::vector<std::string> args = {complete ? "complete" : "rollback", "--schema", base,
                                     "--postgres-url", url};
    ProcessRun finish = RunBinary(args);
    ASSERT_EQ(finish.exit_code, 0) << finish.err;
    ProcessRun doctor = RunBinary({"doctor", "--schema", base, "--postgres-url", url});
    EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
    if (complete) {
      EXPECT_EQ(Value(admin, fmt::format("SELECT string_agg(attname, ',' ORDER BY attnum) FROM "
                                         "pg_attribute WHERE attrelid = {}::regclass AND "
                                         "attnum > 0 AND NOT attisdropped",
                                         pg::QuoteLiteral(pg::QualifiedName(base, table)))),
                fmt::format("id,名前,select,{},{},CamelCase", c63, j63));
      EXPECT_EQ(Value(new_version, fmt::format("SELECT {} FROM {} WHERE id = 1", new_columns, qt)),
                "Ada|Byron|12|ADA LOVELACE|ada lovelace");
      EXPECT_EQ(Value(admin, fmt::format("SELECT count(*) FROM {}", qt)), "4");
    } else {
      EXPECT_EQ(Value(admin, fmt::format("SELECT string_agg(id || '=' || \"full name\", ',' "
                                         "ORDER BY id) FROM {}",
                                         qt)),
                "1=Ada Byron,2=Alan Turing,3=Grace Hopper,4=Katherine Johnson");
      MustRun(admin, fmt::format("DELETE FROM {0} WHERE id > 2; UPDATE {0} SET \"full name\" = "
                                 "'Ada Lovelace' WHERE id = 1",
                                 qt));
      EXPECT_EQ(Snapshot(admin, /*physical=*/false), before_start);
    }
  }
}

}  // namespace
}  // namespace zs::migration
