// The PostgreSQL doctor tests' fixture (doctor_test.cc, doctor_leftovers_test.cc,
// doctor_active_test.cc, doctor_cli_test.cc): a fresh database with two
// tables, engines of their own for start/complete/rollback, and helpers to
// plant recorded leftovers and read doctor's findings.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/ownership.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

#include "doctor/doctor.h"

// Not in an anonymous namespace: every test file's TEST_F(DoctorTest, ...)
// must see the one fixture class.
namespace zs::doctor::doctor_test {

using zs::testing::MustRun;
using zs::testing::Open;
using Objects = std::set<std::pair<std::string, std::string>>;  // (kind, object)

constexpr const char* kAlterScore = R"yaml(operations:
  - alter_column:
      table: scores
      column: score
      type: integer
      nullable: false
      up: coalesce(CAST(score AS integer), 0)
      down: CAST(score AS text)
)yaml";

constexpr const char* kUniqueEmail = R"yaml(operations:
  - add_column:
      table: users
      up: lower(first_name) || id || '@example.com'
      column: {name: email, type: text, nullable: false, unique: true}
)yaml";

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*conn_,
            "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO users (name) SELECT 'First' || i || ' Last' || i "
            "FROM generate_series(1, 50) i;"
            "CREATE TABLE scores (id integer PRIMARY KEY, score text);"
            "INSERT INTO scores VALUES (1, '1'), (2, NULL), (3, '33');");
  }

  // Runs `command` on an engine of its own, closed afterwards: an engine
  // holds the schema's advisory lock for as long as its connection lives,
  // as a zeroshift process does.
  Status WithEngine(const std::function<Status(engine::Engine&)>& command) {
    Result<engine::Engine> engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    Status init = engine->Init();
    if (!init.ok()) return init;
    return command(*engine);
  }
  void Init() {
    Status status = WithEngine([](engine::Engine&) { return Status::Ok(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  // Records a hand-planted object in zeroshift.created_objects, as start
  // records what it creates: doctor reports only recorded objects.
  void Plant(const char* kind, const std::string& schema, const std::string& table,
             const std::string& name) {
    engine::ObjectRef ref{.kind = kind, .schema = schema, .table = table, .name = name};
    MustRun(*conn_,
            fmt::format("INSERT INTO zeroshift.created_objects (schema, migration, kind, "
                        "object_schema, table_name, name, object_oid, attnum) SELECT "
                        "'public', 'planted', {}, {}, {}, {}, live.oid, live.attnum FROM "
                        "({}) AS live(oid, attnum)",
                        pg::QuoteLiteral(kind), pg::QuoteLiteral(schema), pg::QuoteLiteral(table),
                        pg::QuoteLiteral(name), engine::IdentitySql(ref)));
  }
  void Start(const std::string& name, const std::string& yaml) {
    Result<migration::Migration> m = migration::ParseMigration(yaml, name + ".yaml");
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    Status status = WithEngine([&](engine::Engine& e) { return e.Start(*m); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void Complete() {
    Status status = WithEngine([](engine::Engine& e) { return e.Complete(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void Rollback() {
    Status status = WithEngine([](engine::Engine& e) { return e.Rollback(); });
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  Report Diagnose() {
    Result<Report> report = doctor::Diagnose(*conn_, "public");
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) std::abort();
    return std::move(report).value();
  }

  Report Fix() {
    Result<Report> report = doctor::Fix(*conn_, "public", pg::RetryPolicy{});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) std::abort();
    return std::move(report).value();
  }

  static Objects ObjectsOf(const std::vector<Finding>& findings) {
    Objects out;
    for (const auto& f : findings) out.emplace(f.kind, f.object);
    return out;
  }

  std::string Value(const std::string& sql) {
    Result<pg::Rows> rows = conn_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "<error>";
  }

  // Every finding's fix names each quoted identifier of its object.
  static void ExpectFixesNameObjects(const Report& report) {
    for (const auto& f : report.findings) {
      if (f.fix_sql.empty() || f.kind == kBackfillState) continue;
      for (size_t open = f.object.find('"'); open != std::string::npos;) {
        size_t close = f.object.find('"', open + 1);
        ASSERT_NE(close, std::string::npos) << f.object;
        std::string token = f.object.substr(open, close - open + 1);
        EXPECT_NE(f.fix_sql.find(token), std::string::npos) << token << " / " << f.fix_sql;
        open = f.object.find('"', close + 1);
      }
    }
  }

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
};

}  // namespace zs::doctor::doctor_test
