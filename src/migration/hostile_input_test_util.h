// Hostile input, through the engine API and through the real binary: bad
// identifiers, expressions that try to smuggle a second statement, malformed,
// huge and binary files. Every rejected case must fail with a message that
// names the file (and the line where there is one) and leave the database
// exactly as it was: catalog rows of every non-system schema and a checksum
// of every table's data, compared before and after. Hostile names and
// expressions that are valid are accepted and run the whole lifecycle.
//
// Test-only helpers shared by the hostile-input tests: hostile_input_test.cc
// (malformed files and structure), hostile_names_test.cc (identifiers and
// migration names) and hostile_sql_test.cc (expressions and SQL).
#pragma once

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
#include "engine/engine_test_util.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "ops/names.h"
#include "pg/quote.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::migration::hostile {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

// Hostile inputs tried by this process, printed at exit.
inline std::atomic<int> g_tried{0};

class CountReporter : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_tried > 0) std::printf("hostile inputs tried: %d\n", g_tried.load());
  }
};
inline const auto* const kReporter = ::testing::AddGlobalTestEnvironment(new CountReporter);

// The catalog rows of every non-system schema (pg_namespace, pg_class,
// pg_attribute, pg_constraint, pg_index, pg_trigger, pg_proc) and, for every
// table among them, its row count and a digest of its rows.
// `physical` also keeps what DROP COLUMN leaves behind (dropped attributes,
// relnatts), so that adding and dropping a column shows; a rollback leaves
// those, so it is compared without them.
inline std::string Snapshot(pg::Connection& conn, bool physical = true) {
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
inline std::string AddColumn(const std::string& column_yaml, const std::string& up_yaml) {
  return fmt::format(
      "operations:\n  - add_column:\n      table: users\n      up: {}\n"
      "      column: {}\n",
      up_yaml, column_yaml);
}

// YAML double-quoted scalar of `text` (escapes for quote, backslash and control bytes).
inline std::string Quoted(const std::string& text) {
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
    return engine::test_util::MustConnect(url_, std::move(options));
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

}  // namespace zs::migration::hostile
