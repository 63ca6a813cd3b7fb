// The fixture of the operation lifecycle tests (ops/*_lifecycle_test.cc):
// a fresh database, a connection with the old shape (search_path public) and,
// after Start, one with the new version; helpers to query and to check that
// complete and rollback leave nothing of zeroshift's machinery behind.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"

namespace zs::ops {

using Rows = std::vector<std::vector<std::string>>;

// Helper failures are infrastructure errors: thrown, so GoogleTest reports
// them as a failure of the test with the SQL involved.
[[noreturn]] inline void Fail(const std::string& what, const Status& status) {
  throw std::runtime_error(what + ": " + status.ToString());
}

class OpsLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    old_ = Connect("public");
  }

  // A connection whose search_path is `search_path`.
  std::unique_ptr<pg::Connection> Connect(const std::string& search_path) {
    auto conn = pg::Connection::Open(url_);
    if (!conn.ok()) Fail("connect", conn.status());
    auto out = std::make_unique<pg::Connection>(std::move(conn).value());
    Status set = out->Run("SET search_path TO " + search_path);
    if (!set.ok()) Fail("set search_path", set);
    return out;
  }

  // All rows of `sql`, every value as text ("NULL" for NULL).
  static Rows Query(pg::Connection& conn, const std::string& sql) {
    auto rows = conn.Exec(sql);
    if (!rows.ok()) Fail(sql, rows.status());
    Rows out;
    for (int r = 0; r < rows->size(); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < rows->columns(); ++c) {
        row.push_back(rows->IsNull(r, c) ? "NULL" : rows->Get(r, c));
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  // The single value `sql` returns.
  static std::string Value(pg::Connection& conn, const std::string& sql) {
    Rows rows = Query(conn, sql);
    if (rows.size() != 1 || rows[0].size() != 1) {
      throw std::runtime_error(sql + ": expected one value, got " + std::to_string(rows.size()) +
                               " rows");
    }
    return rows[0][0];
  }

  static void Exec(pg::Connection& conn, const std::string& sql) {
    Status status = conn.Run(sql);
    if (!status.ok()) Fail(sql, status);
  }

  // True when `sql` fails (e.g. a constraint or an unknown relation).
  static bool Fails(pg::Connection& conn, const std::string& sql) { return !conn.Run(sql).ok(); }

  std::string Value(const std::string& sql) { return Value(*old_, sql); }
  void Exec(const std::string& sql) { Exec(*old_, sql); }

  // "name type NULL|NOT NULL" of each column of public.`table`, in order,
  // without the dual-write trigger's marker column (ZsLeftovers counts it).
  std::vector<std::string> Columns(const std::string& table) {
    Rows rows = Query(*old_,
                      "SELECT column_name || ' ' || data_type || ' ' || "
                      "CASE is_nullable WHEN 'YES' THEN 'NULL' ELSE 'NOT NULL' END "
                      "FROM information_schema.columns WHERE table_schema = 'public' AND "
                      "column_name <> '_zs_synced' AND table_name = '" +
                          table + "' ORDER BY ordinal_position");
    std::vector<std::string> out;
    for (auto& row : rows) out.push_back(row[0]);
    return out;
  }

  bool TableExists(const std::string& schema, const std::string& table) {
    return Value("SELECT to_regclass('" + schema + "." + table + "') IS NOT NULL") == "t";
  }
  bool SchemaExists(const std::string& schema) {
    return Value("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'") != "0";
  }
  int ZsTriggers() {
    return std::stoi(Value("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_zs\\_%'"));
  }
  int StateFunctions() {
    return std::stoi(
        Value("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
              "WHERE n.nspname = 'zeroshift'"));
  }
  // Temporary columns, constraints and indexes zeroshift adds while a migration is active.
  int ZsLeftovers() {
    return std::stoi(
        Value("SELECT (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND "
              "a.attname LIKE '\\_zs\\_%' AND NOT a.attisdropped) + "
              "(SELECT count(*) FROM pg_constraint WHERE conname LIKE '\\_zs\\_%') + "
              "(SELECT count(*) FROM pg_class WHERE relkind = 'i' AND relname LIKE '\\_zs\\_%')"));
  }

  // Parses `yaml` as migration `name`, runs init and start, and opens the
  // connection of the new version (search_path public_<name>).
  void Start(const std::string& name, const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, name + ".yaml");
    if (!migration.ok()) Fail("parse", migration.status());
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) Fail("engine connect", engine.status());
    engine_.emplace(std::move(engine).value());
    Status init = engine_->Init();
    if (!init.ok()) Fail("init", init);
    baseline_functions_ = StateFunctions();
    Status start = engine_->Start(*migration);
    if (!start.ok()) Fail("start", start);
    version_ = "public_" + name;
    new_ = Connect(version_);
  }
  void Complete() {
    Status status = engine_->Complete();
    if (!status.ok()) Fail("complete", status);
  }
  void Rollback() {
    Status status = engine_->Rollback();
    if (!status.ok()) Fail("rollback", status);
  }

  // After complete: no dual-write machinery left, the version schema stays.
  void ExpectCompleteClean() {
    EXPECT_TRUE(SchemaExists(version_));
    EXPECT_EQ(ZsTriggers(), 0);
    EXPECT_EQ(StateFunctions(), baseline_functions_);
    EXPECT_EQ(ZsLeftovers(), 0);
  }
  // After rollback: nothing of the migration left.
  void ExpectRollbackClean() {
    EXPECT_FALSE(SchemaExists(version_));
    EXPECT_EQ(ZsTriggers(), 0);
    EXPECT_EQ(StateFunctions(), baseline_functions_);
    EXPECT_EQ(ZsLeftovers(), 0);
  }

  // users(id integer pk, name text not null) with two rows.
  void CreateUsers() {
    Exec(
        "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO users VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing');");
  }

  std::string url_;
  std::string version_;
  std::unique_ptr<pg::Connection> old_;  // search_path public: the old shape
  std::unique_ptr<pg::Connection> new_;  // search_path public_<name>: the new version
  std::optional<engine::Engine> engine_;
  int baseline_functions_ = 0;
};

}  // namespace zs::ops
