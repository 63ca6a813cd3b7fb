// Hostile input, through the engine API and through the real binary: bad
// identifiers, expressions that try to smuggle a second statement, malformed,
// huge and binary files. Every rejected case must fail with a message that
// names the file (and the line where there is one) and leave the database
// exactly as it was: catalog rows of every non-system schema and a checksum
// of every table's data, compared before and after. Hostile names and
// expressions that are valid are accepted and run the whole lifecycle.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/engine.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "ops/names.h"
#include "pg/quote.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::migration {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

// Hostile inputs tried by this process, printed at exit.
std::atomic<int> g_tried{0};

class CountReporter : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_tried > 0) std::printf("hostile inputs tried: %d\n", g_tried.load());
  }
};
const auto* const kReporter = ::testing::AddGlobalTestEnvironment(new CountReporter);

// The catalog rows of every non-system schema (pg_namespace, pg_class,
// pg_attribute, pg_constraint, pg_index, pg_trigger, pg_proc) and, for every
// table among them, its row count and a digest of its rows.
// `physical` also keeps what DROP COLUMN leaves behind (dropped attributes,
// relnatts), so that adding and dropping a column shows; a rollback leaves
// those, so it is compared without them.
std::string Snapshot(pg::Connection& conn, bool physical = true) {
  std::string sql = R"sql(
WITH ns AS (SELECT oid, nspname FROM pg_namespace
            WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema')
SELECT x FROM (
  SELECT 'namespace ' || nspname FROM ns
  UNION ALL SELECT 'class ' || ns.nspname || '.' || c.relname || ' ' || c.relkind::text
    || ' persistence=' || c.relpersistence::text $natts$
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  UNION ALL SELECT 'attribute ' || c.oid::regclass::text || '.' || a.attname || ' '
    || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
    || ' dropped=' || a.attisdropped || ' default='
    || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 $dropped$
  UNION ALL SELECT 'constraint ' || con.conrelid::regclass::text || ' ' || con.conname || ' '
    || pg_get_constraintdef(con.oid) || ' valid=' || con.convalidated
    FROM pg_constraint con JOIN ns ON ns.oid = con.connamespace
  UNION ALL SELECT 'index ' || i.indexrelid::regclass::text || ' valid=' || i.indisvalid
    || ' ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL SELECT 'trigger ' || t.tgrelid::regclass::text || ' ' || t.tgname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN ns ON ns.oid = c.relnamespace
  UNION ALL SELECT 'proc ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
) s(x) ORDER BY x)sql";
  auto put = [&sql](const std::string& marker, const std::string& text) {
    sql.replace(sql.find(marker), marker.size(), text);
  };
  put("$natts$", physical ? " || ' natts=' || c.relnatts" : "");
  put("$dropped$", physical ? "" : "AND NOT a.attisdropped");
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return "";
  std::string out;
  for (int i = 0; i < rows->size(); ++i) out += rows->Get(i, 0) + "\n";
  Result<pg::Rows> tables = conn.Exec(
      "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON "
      "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT LIKE 'pg\\_%' AND "
      "n.nspname <> 'information_schema' ORDER BY 1");
  EXPECT_TRUE(tables.ok());
  for (int i = 0; tables.ok() && i < tables->size(); ++i) {
    std::string table = tables->Get(i, 0);
    Result<pg::Rows> digest = conn.Exec(
        fmt::format("SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY "
                    "t::text)), '-') FROM {} t",
                    table));
    EXPECT_TRUE(digest.ok()) << table << ": " << digest.status().ToString();
    out += "data " + table + " " + (digest.ok() ? digest->Get(0, 0) : "<error>") + "\n";
  }
  return out;
}

// One hostile file and what its rejection must say.
struct Case {
  std::string label;
  std::string content;                // the file's bytes
  std::vector<std::string> culprits;  // each must appear in the message
  int line = 0;                       // > 0: the message must name file:line
  std::string extension = ".yaml";
};

// A one-operation migration adding a column to users.
std::string AddColumn(const std::string& column_yaml, const std::string& up_yaml) {
  return fmt::format(
      "operations:\n  - add_column:\n      table: users\n      up: {}\n"
      "      column: {}\n",
      up_yaml, column_yaml);
}

// YAML double-quoted scalar of `text` (escapes for quote, backslash and control bytes).
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text);"
            "INSERT INTO users (name, email) VALUES ('Ada Lovelace', 'ada@x'), "
            "('Alan Turing', NULL), ('Grace Hopper', 'grace@x');"
            "CREATE TABLE scores (id integer PRIMARY KEY, score text);"
            "INSERT INTO scores VALUES (1, '1'), (2, '22');");
    {
      engine::Engine engine = Connect();
      ASSERT_TRUE(engine.Init().ok());
    }
    dir_ = fs::temp_directory_path() /
           fmt::format("zs_hostile_{}_{}", static_cast<long>(getpid()), counter_++);
    fs::create_directories(dir_);
    baseline_ = Snapshot(*conn_);
    ASSERT_FALSE(baseline_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  engine::Engine Connect(const std::string& schema = "public") {
    engine::Options options;
    options.schema = schema;
    Result<engine::Engine> engine = engine::Engine::Connect(url_, std::move(options));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (!engine.ok()) std::abort();
    return std::move(engine).value();
  }

  fs::path Write(const std::string& name, const std::string& content) {
    fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Runs `path` through LoadMigrationFile + Engine::Start and through
  // `zeroshift start`, and checks both refuse it clearly without a trace.
  void ExpectRejectedFile(const std::string& label, const fs::path& path,
                          const std::vector<std::string>& culprits, int line) {
    SCOPED_TRACE(label);
    ++g_tried;
    std::string file = path.filename().string();
    // The engine API: the loader, then start (validation against the catalog).
    std::string message;
    Result<Migration> loaded = LoadMigrationFile(path.string());
    if (!loaded.ok()) {
      message = loaded.status().message();
    } else {
      engine::Engine engine = Connect();
      Status status = engine.Start(*loaded);
      ASSERT_FALSE(status.ok()) << "start accepted it";
      EXPECT_NE(status.code(), Code::kDatabase)
          << "failed in PostgreSQL, not in validation: " << status.ToString();
      message = status.message();
    }
    EXPECT_NE(message.find(file), std::string::npos) << "does not name the file: " << message;
    if (line > 0) {
      EXPECT_NE(message.find(fmt::format("{}:{}:", file, line)), std::string::npos)
          << "does not name line " << line << ": " << message;
    }
    for (const auto& culprit : culprits) {
      EXPECT_NE(message.find(culprit), std::string::npos)
          << "missing `" << culprit << "`: " << message;
    }
    EXPECT_EQ(Snapshot(*conn_), baseline_) << "the engine API changed the database";
    // The binary.
    ProcessRun run = RunBinary({"start", path.string(), "--postgres-url", url_});
    EXPECT_NE(run.exit_code, 0) << run.out;
    EXPECT_NE(run.err.find(file), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("another zeroshift process"), std::string::npos) << run.err;
    for (const auto& culprit : culprits) {
      EXPECT_NE(run.err.find(culprit), std::string::npos)
          << "missing `" << culprit << "`: " << run.err;
    }
    EXPECT_EQ(Snapshot(*conn_), baseline_) << "the binary changed the database";
    std::string shown = message.size() > 220 ? message.substr(0, 220) + "..." : message;
    std::printf("  %-58s -> %s\n", label.c_str(), shown.c_str());
  }

  void ExpectRejected(const std::vector<Case>& cases) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      fs::path path = Write(fmt::format("case_{:03d}{}", i, c.extension), c.content);
      ExpectRejectedFile(c.label, path, c.culprits, c.line);
    }
  }

  std::string Value(pg::Connection& conn, const std::string& sql) {
    Result<pg::Rows> rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->size() != 1) return "<error>";
    return rows->IsNull(0, 0) ? "NULL" : rows->Get(0, 0);
  }

  // A connection whose search_path is `schema` (quoted here).
  std::unique_ptr<pg::Connection> ConnectTo(const std::string& schema) {
    auto conn = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn, "SET search_path TO " + pg::QuoteIdent(schema));
    return conn;
  }

  static inline int counter_ = 0;
  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
  fs::path dir_;
  std::string baseline_;
};

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

// ----------------------------------------------------------------- expressions

TEST_F(HostileInput, ExpressionsThatSmuggleAStatementAreRefused) {
  const std::vector<std::pair<std::string, std::string>> smuggled = {
      {"close paren, DROP, comment", "x); DROP TABLE users; --"},
      {"statement after a call", "split_part(name, ' ', 1); DROP TABLE users"},
      {"paren juggling", "1) ; (2"},
      {"trailing semicolon and comment", "name; --"},
      {"dollar quotes around a statement", "$$ $$; DROP TABLE users; SELECT $$ $$"},
      {"nested dollar tags", "$a$ $b$ $a$; DROP TABLE users; $b$"},
      {"block comment then statement", "name /* x */; DROP TABLE users"},
      {"line comment, newline, statement", "name -- x\n; DROP TABLE users"},
      {"subquery then statement", "(SELECT 1); DROP TABLE users"},
      {"two selects", "SELECT 1; SELECT 2"},
      {"unbalanced quote", "'); DROP TABLE users; --"},
      {"escape-string quote", "E'\\''; DROP TABLE users; --"},
      {"unterminated dollar quote", "$x$ unterminated"},
      {"unterminated block comment", "/* unterminated"},
      {"a statement instead of a value", "COPY users TO PROGRAM 'true'"},
      {"transaction control", "1; COMMIT; DROP TABLE users"},
      {"multi-column subquery", "(SELECT id, name FROM users LIMIT 1)"},
      {"blank", "   "},
  };
  std::vector<Case> cases;
  for (const auto& [label, expression] : smuggled) {
    std::string q = Quoted(expression);
    cases.push_back(
        {"up: " + label, AddColumn("{name: c, type: text, nullable: true}", q), {"up"}, 2});
    cases.push_back({"down: " + label,
                     "operations:\n  - drop_column:\n      table: users\n      column: email\n"
                     "      down: " +
                         q + "\n",
                     {"down"},
                     2});
  }
  const std::vector<std::pair<std::string, std::string>> others = {
      {"check",
       "{name: c, type: int, nullable: true, check: {name: c_check, constraint: "
       "'c > 0) NOT VALID; DROP TABLE users; --'}}"},
      {"check",
       "{name: c, type: int, nullable: true, check: {name: c_check, constraint: "
       "'true); DROP TABLE users; SELECT (1'}}"},
      {"default",
       "{name: c, type: text, nullable: true, default: \"'x'); DROP TABLE users; "
       "--\"}"},
      {"default", "{name: c, type: text, nullable: true, default: \"now(); DROP TABLE users\"}"},
      {"generated",
       "{name: c, type: int, generated: {expression: '1) STORED; DROP TABLE users; "
       "--'}}"},
      {"type", "{name: c, type: 'text; DROP TABLE users', nullable: true}"},
      {"type", "{name: c, type: 'int) ; DROP TABLE users; --', nullable: true}"},
      {"type", "{name: c, type: 'text -- hidden', nullable: true}"},
      {"type", "{name: c, type: 'text /* */', nullable: true}"},
      {"type", "{name: c, type: 'text DEFAULT 1', nullable: true}"},
  };
  for (const auto& [what, column] : others) {
    cases.push_back({what + ": " + column.substr(0, 60), AddColumn(column, "'1'"), {what}, 2});
  }
  cases.push_back({"alter_column default",
                   "operations:\n  - alter_column:\n      table: scores\n      column: score\n"
                   "      default: \"'1'); DROP TABLE users; --\"\n",
                   {"default"},
                   2});
  cases.push_back({"alter_column type",
                   "operations:\n  - alter_column:\n      table: scores\n      column: score\n"
                   "      type: 'integer USING 1; DROP TABLE users'\n",
                   {"type"},
                   2});
  cases.push_back({"create_index predicate",
                   "operations:\n  - create_index:\n      name: users_idx\n      table: users\n"
                   "      columns: [{column: name}]\n      predicate: 'id > 0; DROP TABLE users'\n",
                   {"predicate"},
                   2});
  ExpectRejected(cases);
}

// ------------------------------------------------------------------ malformed files

std::string LaughsYaml(int n) {
  std::string columns, aliases;
  for (int i = 0; i < n; ++i) columns += i ? ", id" : "id";
  for (int i = 1; i < n; ++i) aliases += ", *k";
  std::string out = fmt::format(
      "operations:\n  - create_table:\n      name: t\n      columns: [{{name: id, type: int}}]\n"
      "      constraints: &ks [&k {{name: c, type: unique, columns: [{}]}}{}]\n",
      columns, aliases);
  for (int i = 1; i < n; ++i) {
    out += "  - create_table: {name: t, columns: [{name: id, type: int}], constraints: *ks}\n";
  }
  return out;
}

// One long string repeated through aliases: few elements, many bytes.
std::string StringAliasesYaml(size_t bytes, int uses) {
  std::string out = "operations:\n  - sql: {up: &s " + std::string(bytes, 'x') + "}\n";
  for (int i = 1; i < uses; ++i) out += "  - sql: {up: *s}\n";
  return out;
}

TEST_F(HostileInput, MalformedFilesAreRefusedWithFileAndLine) {
  const std::string valid = AddColumn("{name: c, type: text, nullable: true}", "name");
  std::vector<Case> cases = {
      {"truncated YAML", valid.substr(0, valid.size() - 25), {"invalid YAML"}, 0},
      {"truncated JSON",
       R"({"operations": [{"add_column": {"table": "users", "column": {"name": "c",)",
       {"invalid YAML"},
       0,
       ".json"},
      {"truncated inside a UTF-8 character",
       "operations:\n  - add_column: {table: users, up: \"'\xe6\x97",
       {},
       0},
      {"operations is a string", "operations: \"add_column\"\n", {"must be a sequence"}, 1},
      {"operations is a number", "operations: 42\n", {"must be a sequence"}, 1},
      {"operations is a mapping", "operations: {add_column: {}}\n", {"must be a sequence"}, 1},
      {"operation is a list", "operations:\n  - [add_column, users]\n", {"exactly one key"}, 2},
      {"operation with two kinds",
       "operations:\n  - {add_column: {table: users}, drop_column: {table: users}}\n",
       {"exactly one key"},
       2},
      {"column is a list", AddColumn("[c, text]", "name"), {"must be a mapping"}, 5},
      {"nullable is a string",
       AddColumn("{name: c, type: text, nullable: 'yes'}", "name"),
       {"nullable"},
       5},
      {"nullable is YAML 1.1 yes",
       AddColumn("{name: c, type: text, nullable: yes}", "name"),
       {"nullable"},
       5},
      {"nullable is a number",
       AddColumn("{name: c, type: text, nullable: 1}", "name"),
       {"nullable"},
       5},
      {"table is a list",
       "operations:\n  - add_column: {table: [users], column: {name: c, type: text}}\n",
       {"must be a string"},
       2},
      {"table is a mapping",
       "operations:\n  - add_column: {table: {name: users}, column: {name: c, type: text}}\n",
       {"must be a string"},
       2},
      {"name is a list", "name: [a, b]\noperations: []\n", {"must be a string"}, 1},
      {"columns is a mapping",
       "operations:\n  - create_table: {name: t, columns: {id: int}}\n",
       {"must be a sequence"},
       2},
      {"top-level typo", "operation:\n  - add_column: {}\n", {"unknown key \"operation\""}, 1},
      {"misspelt key with suggestion",
       "operations:\n  - add_column: {tabel: users, column: {name: c, type: text}}\n",
       {"unknown key \"tabel\"", "did you mean \"table\""},
       2},
      {"misspelt column key",
       AddColumn("{name: c, type: text, nulable: true}", "name"),
       {"nulable"},
       5},
      {"unknown operation",
       "operations:\n  - add_colum: {table: users}\n",
       {"unknown operation \"add_colum\"", "add_column"},
       2},
      {"upper-case operation",
       "operations:\n  - ADD_COLUMN: {table: users}\n",
       {"unknown operation"},
       2},
      {"unknown key in JSON",
       "{\"operations\": [{\"add_column\": {\"table\": \"users\", \"colunm\": {}}}]}",
       {"colunm"},
       1,
       ".json"},
      {"duplicate key in YAML",
       "operations:\n  - add_column:\n      table: users\n      table: scores\n"
       "      column: {name: c, type: text, nullable: true}\n",
       {"duplicate key \"table\""},
       4},
      {"duplicate key in JSON",
       "{\"operations\": [], \"operations\": [{\"drop_table\": {\"name\": \"users\"}}]}",
       {"duplicate key \"operations\""},
       1,
       ".json"},
      {"duplicate key in a column",
       AddColumn("{name: c, name: d, type: text, nullable: true}", "name"),
       {"duplicate key \"name\""},
       5},
      {"missing required key",
       "operations:\n  - add_column: {table: users}\n",
       {"missing required key \"column\""},
       2},
      {"tab indentation", "operations:\n\t- add_column: {table: users}\n", {"invalid YAML"}, 0},
      {"two YAML documents", valid + "---\n" + valid, {"single YAML document"}, 0},
      {"unclosed quote", "operations:\n  - add_column: {table: \"users}\n", {"invalid YAML"}, 0},
      {"nested 100000 deep (sequences)",
       "operations: " + std::string(100000, '[') + std::string(100000, ']') + "\n",
       {"nested more than"},
       1},
      {"nested 100000 deep (mappings)",
       [] {
         std::string s = "operations: ";
         for (int i = 0; i < 100000; ++i) s += "{a: ";
         return s + "1" + std::string(100000, '}') + "\n";
       }(),
       {"nested more than"},
       1},
      {"nested 100000 deep (JSON)",
       "{\"operations\": " + std::string(100000, '[') + std::string(100000, ']') + "}",
       {"nested more than"},
       0,
       ".json"},
      {"alias bomb: 88 KB expanding to 10^9 elements", LaughsYaml(1000), {"aliases"}, 0},
      {"alias bomb: 9 KB expanding to 10^6 elements", LaughsYaml(100), {"aliases"}, 0},
      {"alias bomb: one 64 KB string used 2000 times (128 MB)",
       StringAliasesYaml(64 * 1024, 2000),
       {"aliases"},
       0},
      // Once a SIGSEGV: the column references were collected by recursion.
      {"a 10 000-term up (1+1+...)",
       [] {
         std::string up = "1";
         for (int i = 0; i < 10000; ++i) up += "+1";
         return AddColumn("{name: c, type: text, nullable: true}", up);
       }(),
       {"nests too deeply"},
       2},
      {"an up nested 1000 calls deep",
       AddColumn("{name: c, type: text, nullable: true}",
                 [] {
                   std::string up;
                   for (int i = 0; i < 1000; ++i) up += "abs(";
                   up += "1";
                   for (int i = 0; i < 1000; ++i) up += ")";
                   return up;
                 }()),
       {"nests too deeply"},
       2},
      {"empty file", "", {"empty migration file"}, 0},
      {"only whitespace", "  \n\n\t\n", {"empty migration file"}, 0},
      {"only a comment", "# operations: []\n", {"empty migration file"}, 0},
      {"document marker only", "---\n", {"empty migration file"}, 0},
      {"null", "null\n", {"empty migration file"}, 0},
      {"empty mapping", "{}\n", {"missing required key \"operations\""}, 0},
      {"a list", "[]\n", {"must be a mapping"}, 1},
      {"NUL byte in an expression",
       std::string("operations:\n  - add_column: {table: users, up: \"name") + '\0' +
           "; DROP TABLE users\", column: {name: c, type: text, nullable: true}}\n",
       {"NUL byte"},
       2},
      {"NUL via YAML escape",
       AddColumn("{name: c, type: text, nullable: true}", "\"name\\0; DROP TABLE users\""),
       {"NUL byte"},
       4},
      {"invalid UTF-8 in a name",
       AddColumn("{name: \"ab\xff\xfe\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"overlong UTF-8 slash",
       AddColumn("{name: \"a\xc0\xaf\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"UTF-8 surrogate",
       AddColumn("{name: \"a\xed\xa0\x80\", type: text, nullable: true}", "name"),
       {"invalid UTF-8"},
       5},
      {"invalid UTF-8 in an expression",
       AddColumn("{name: c, type: text, nullable: true}", "\"name || '\xff'\""),
       {"invalid UTF-8"},
       4},
      {"invalid UTF-8 in a key",
       "operations:\n  - add_column: {\"tab\xffle\": users}\n",
       {"invalid UTF-8"},
       2},
  };
  std::mt19937 random(7);
  std::string garbage;
  for (int i = 0; i < 64 * 1024; ++i) garbage += static_cast<char>(random() & 0xff);
  cases.push_back({"64 KB of random bytes", garbage, {}, 0});
  cases.push_back({"an ELF header",
                   std::string("\x7f"
                               "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                               16),
                   {},
                   0});
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  cases.push_back({"every byte value", all_bytes, {}, 0});
  ExpectRejected(cases);

  // Files that are too big or no regular files at all.
  std::string big(50 * 1024 * 1024, '#');
  for (size_t i = 80; i < big.size(); i += 81) big[i] = '\n';
  ExpectRejectedFile("a 50 MB file", Write("big.yaml", "operations:\n" + big), {"10 MiB"}, 0);
  ExpectRejectedFile("just over 10 MiB",
                     Write("over.yaml", valid + std::string(10 * 1024 * 1024, ' ')), {"10 MiB"}, 0);
  fs::create_directories(dir_ / "a_directory.yaml");
  ExpectRejectedFile("a directory", dir_ / "a_directory.yaml", {"not a regular file"}, 0);
  ExpectRejectedFile("a missing file", dir_ / "missing.yaml", {"cannot read"}, 0);
  ASSERT_EQ(mkfifo((dir_ / "a_fifo.yaml").c_str(), 0600), 0);
  ExpectRejectedFile("a FIFO (would block a reader)", dir_ / "a_fifo.yaml", {"not a regular file"},
                     0);
  fs::create_symlink("/dev/zero", dir_ / "zero.yaml");
  ExpectRejectedFile("a symlink to /dev/zero", dir_ / "zero.yaml", {"not a regular file"}, 0);
  fs::path unreadable = Write("unreadable.yaml", valid);
  fs::permissions(unreadable, fs::perms::none);
  if (geteuid() != 0) {  // root reads it anyway
    ExpectRejectedFile("an unreadable file", unreadable, {"cannot read"}, 0);
  }
}

// Hostile `--schema` values through the binary.
TEST_F(HostileInput, HostileSchemaOptionIsRefusedUntouched) {
  fs::path file = Write("ok.yaml", AddColumn("{name: c, type: text, nullable: true}", "name"));
  for (const std::string& schema :
       {std::string("x\"; DROP TABLE users; --"), std::string(64, 's'), std::string("")}) {
    SCOPED_TRACE(schema);
    ++g_tried;
    ProcessRun run =
        RunBinary({"start", file.string(), "--schema", schema, "--postgres-url", url_});
    EXPECT_NE(run.exit_code, 0) << run.out;
    EXPECT_FALSE(run.err.empty());
    EXPECT_EQ(Snapshot(*conn_), baseline_) << run.err;
    std::printf("  --schema %-40s -> %s", Quoted(schema.substr(0, 40)).c_str(), run.err.c_str());
  }
}

// ------------------------------------------------- accepted: the whole lifecycle

// Expressions with `;`, comments and dollar quotes inside values are valid:
// accepted, and each computes what it says through both versions.
constexpr const char* kTrickyExpressions = R"yaml(operations:
  - add_column:
      table: users
      up: "name || ';'"
      column: {name: semi, type: text, nullable: true}
  - add_column:
      table: users
      up: "replace(name, ' ', '; DROP TABLE users; --')"
      column: {name: smuggled, type: text, nullable: true}
  - add_column:
      table: users
      up: "split_part(name, ' ', 1) -- a trailing comment; DROP TABLE users"
      column: {name: commented, type: text, nullable: true}
  - add_column:
      table: users
      up: "/* ; DROP TABLE users; */ upper(name)"
      column: {name: block, type: text, nullable: true}
  - add_column:
      table: users
      up: "name || $$;$$ || $zs$x$zs$ || $zs0$;$zs0$"
      column: {name: dollars, type: text, nullable: true}
  - add_column:
      table: users
      up: "E'it\\'s;' || name"
      column: {name: escaped, type: text, nullable: true}
  - add_column:
      table: users
      up: "(SELECT ';' || name)"
      column: {name: subquery, type: text, nullable: true}
  - add_column:
      table: users
      up: "SELECT lower(name)"
      column: {name: lone_select, type: text, nullable: true}
  - add_column:
      table: users
      up: "length(name)"
      column: {name: checked, type: int, nullable: true, check: {name: checked_semi, constraint: "checked <> 0 OR ';' = ';'"}}
  - add_column:
      table: users
      column: {name: defaulted, type: text, nullable: false, default: "'a;b'"}
)yaml";

TEST_F(HostileInput, ValidTrickyExpressionsRunTheWholeLifecycle) {
  const std::vector<std::string> columns = {"semi",    "smuggled", "commented", "block",
                                            "dollars", "escaped",  "subquery",  "lone_select",
                                            "checked", "defaulted"};
  auto expected = [](const std::string& name) {
    std::string first = name.substr(0, name.find(' '));
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    std::string smuggled = name;
    smuggled.replace(smuggled.find(' '), 1, "; DROP TABLE users; --");
    return fmt::format("{0};|{1}|{2}|{3}|{0};x;|it's;{0}|;{0}|{4}|{5}|a;b", name, smuggled, first,
                       upper, lower, name.size());
  };
  std::string select = "SELECT " + fmt::format("{}", fmt::join(columns, " || '|' || ")) +
                       " FROM users WHERE name = ";
  for (bool complete : {true, false}) {
    SCOPED_TRACE(complete ? "complete" : "rollback");
    ++g_tried;
    if (!complete) {  // a fresh database for the rollback run
      SetUp();
    }
    std::string before = Snapshot(*conn_, /*physical=*/false);
    Result<Migration> m = ParseMigration(kTrickyExpressions, "05_tricky.yaml");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    {
      engine::Engine engine = Connect();
      Status start = engine.Start(*m);
      ASSERT_TRUE(start.ok()) << start.ToString();
    }
    auto old_version = ConnectTo("public");
    auto new_version = ConnectTo("public_05_tricky");
    EXPECT_EQ(Value(*new_version, select + "'Ada Lovelace'"), expected("Ada Lovelace"));
    MustRun(*old_version, "INSERT INTO users (name) VALUES ('Mary Jackson')");
    EXPECT_EQ(Value(*new_version, select + "'Mary Jackson'"), expected("Mary Jackson"));
    MustRun(*new_version, "INSERT INTO users (name, semi) VALUES ('Dorothy Vaughan', 'set;')");
    EXPECT_EQ(Value(*old_version, "SELECT count(*) FROM users WHERE name = 'Dorothy Vaughan'"),
              "1");
    EXPECT_EQ(Value(*new_version, "SELECT semi FROM users WHERE name = 'Dorothy Vaughan'"), "set;");
    EXPECT_EQ(Value(*conn_, "SELECT count(*) FROM users"), "5");  // nothing dropped
    engine::Engine engine = Connect();
    if (complete) {
      Status status = engine.Complete();
      ASSERT_TRUE(status.ok()) << status.ToString();
      auto after = ConnectTo("public");
      EXPECT_EQ(Value(*after, select + "'Mary Jackson'"), expected("Mary Jackson"));
      EXPECT_EQ(Value(*after,
                      "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%' OR tgname "
                      "LIKE '~zs\\_%'"),
                "0");
    } else {
      Status status = engine.Rollback();
      ASSERT_TRUE(status.ok()) << status.ToString();
      MustRun(*conn_, "DELETE FROM users WHERE name IN ('Mary Jackson', 'Dorothy Vaughan')");
      EXPECT_EQ(Snapshot(*conn_, /*physical=*/false), before);
    }
  }
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
