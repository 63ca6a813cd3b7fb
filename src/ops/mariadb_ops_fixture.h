// The fixture of the operations' MariaDB tests (src/ops/<name>/mariadb_<name>_test.cc):
// a fresh database on the shared throwaway MariaDB, the schema read by the
// engine's catalog reader (what the operations plan against), each
// operation's Actions for MariaDB, and helpers that run a phase TWICE (DDL
// commits on its own on MariaDB, so a crash re-runs a statement: every one
// must be safe to repeat) and read the resulting catalog.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "ops/operation.h"
#include "ops/registry.h"
#include "schema/schema.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"

namespace zs::ops {

// alter_column adding a CHECK (age > 0) to users.age, a non-positive age made 1.
inline constexpr char kMariadbAgeCheckYaml[] = R"yaml(operations:
  - alter_column:
      table: users
      column: age
      check: {name: age_positive, constraint: age > 0}
      up: "CASE WHEN age <= 0 THEN 1 ELSE age END"
      down: age
)yaml";

class MariadbOps : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = zs::testing::FreshMariadbDatabaseUrl();
    conn_ = zs::testing::mariadb_sql::ConnectOrThrow(url);
    database_ = Value("SELECT DATABASE()");
    session_ = zs::testing::mariadb_sql::SessionOrThrow(url);
  }

  void Exec(const std::string& sql) {
    Status status = conn_->Run(sql);
    if (!status.ok()) throw std::runtime_error(sql + ": " + status.ToString());
  }

  // The rows of `sql`, a row's values joined with "|" ("NULL" for NULL).
  std::vector<std::string> Query(const std::string& sql) {
    return zs::testing::mariadb_sql::Rows(*conn_, sql);
  }

  std::string Value(const std::string& sql) {
    auto rows = Query(sql);
    return rows.empty() ? "" : rows.front();
  }

  // "name type NULL|NOT NULL [default]" of each column of `table`, in order.
  std::vector<std::string> Columns(const std::string& table) {
    return Query(
        "SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, IF(IS_NULLABLE = 'YES', ' NULL', ' NOT "
        "NULL'), IF(COLUMN_DEFAULT IS NULL OR COLUMN_DEFAULT = 'NULL', '', CONCAT(' default ', "
        "COLUMN_DEFAULT)), IF(COLUMN_COMMENT = '', '', "
        "CONCAT(' comment ', COLUMN_COMMENT))) FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" +
        table + "' ORDER BY ORDINAL_POSITION");
  }

  // "index_name unique? columns" of `table`.
  std::vector<std::string> Indexes(const std::string& table) {
    return Query(
        "SELECT CONCAT(INDEX_NAME, IF(NON_UNIQUE = 0, ' unique ', ' '), GROUP_CONCAT(COLUMN_NAME "
        "ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
        "DATABASE() AND TABLE_NAME = '" +
        table + "' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME");
  }

  std::vector<std::string> Tables() {
    return Query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER "
        "BY TABLE_NAME");
  }

  // The database as the operations see it: read by the catalog reader the
  // engine uses (schema::ReadSchema on a MariaDB session).
  schema::Schema ReadSchema() {
    auto schema = schema::ReadSchema(*session_, database_);
    if (!schema.ok()) throw std::runtime_error("read schema: " + schema.status().ToString());
    return std::move(schema).value();
  }

  // Parses `yaml`, reads the schema and builds each operation with its
  // context for MariaDB. Validate's first error, if any, is returned.
  Status Load(const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, "m.yaml");
    if (!migration.ok()) return migration.status();
    migration_ = std::move(migration).value();
    ops_.clear();
    snapshots_ = {ReadSchema()};
    for (size_t i = 0; i < migration_.operations.size(); ++i) {
      auto op = MakeOperation(migration_.operations[i]);
      if (!op.ok()) return op.status();
      ops_.push_back(std::move(op).value());
      snapshots_.push_back(snapshots_.back());
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
      OpContext ctx = Context(i);
      ZS_RETURN_IF_ERROR(ops_[i]->Validate(ctx));
      snapshots_[i + 1] = snapshots_[i];
      ops_[i]->Apply(ctx, snapshots_[i + 1]);
    }
    return Status::Ok();
  }

  OpContext Context(size_t i) const {
    const auto& op = migration_.operations[i];
    return {.index = static_cast<int>(i),
            .version_schema = database_ + "_m",
            .before = &snapshots_[i],
            .after = &snapshots_[i + 1],
            .base = &snapshots_[0],
            .where = op.location.ToString() + " " + op.kind,
            .backend = &backend::Mariadb()};
  }

  enum class Phase { kStart, kComplete, kRollback };

  std::vector<Action> Actions(Phase phase) {
    std::vector<Action> all;
    for (size_t i = 0; i < ops_.size(); ++i) {
      OpContext ctx = Context(i);
      auto actions = phase == Phase::kStart      ? ops_[i]->Start(ctx)
                     : phase == Phase::kComplete ? ops_[i]->Complete(ctx)
                                                 : ops_[i]->Rollback(ctx);
      if (!actions.ok()) throw std::runtime_error(actions.status().ToString());
      all.insert(all.end(), actions->begin(), actions->end());
    }
    if (phase == Phase::kRollback) std::reverse(all.begin(), all.end());
    // Complete runs by phase (prepare, finalize, rename), then operation order.
    if (phase == Phase::kComplete) {
      std::stable_sort(all.begin(), all.end(),
                       [](const Action& a, const Action& b) { return a.phase < b.phase; });
    }
    return all;
  }

  // Runs the phase's actions, then all of them again: the second run must
  // succeed and change nothing.
  void RunTwice(Phase phase) {
    std::vector<Action> actions = Actions(phase);
    for (int round = 0; round < 2; ++round) {
      for (const auto& action : actions) {
        Status status = conn_->Run(action.sql);
        if (!status.ok()) {
          throw std::runtime_error("round " + std::to_string(round + 1) + " " + action.id + ": " +
                                   action.sql + ": " + status.ToString());
        }
      }
    }
  }

  std::unique_ptr<mysql::Connection> conn_;
  std::unique_ptr<backend::Session> session_;
  std::string database_;
  migration::Migration migration_;
  std::vector<std::unique_ptr<Operation>> ops_;
  std::vector<schema::Schema> snapshots_;
};

}  // namespace zs::ops
