// The fixture of the lifecycle tests of the operations built on the column
// swap (alter_column, create_constraint, drop_constraint,
// drop_multicolumn_constraint, column_swap_test.cc).
#pragma once

#include <algorithm>

#include "migration/parser.h"
#include "ops/lifecycle_fixture.h"

namespace zs::ops {

class ConstraintLifecycle : public OpsLifecycle {
 protected:
  // Columns, constraints and indexes of public.`table`, one text row each.
  Rows Dump(const std::string& table) {
    std::string rel = "'public." + table + "'::regclass";
    return Query(*old_,
                 "SELECT kind, def FROM ("
                 " SELECT 'column' AS kind, a.attname || ' ' || format_type(a.atttypid, "
                 "a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || "
                 "coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') || "
                 "coalesce(' COMMENT ' || col_description(a.attrelid, a.attnum), '') AS def"
                 " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND "
                 "d.adnum = a.attnum WHERE a.attrelid = " +
                     rel +
                     " AND a.attnum > 0 AND NOT a.attisdropped"
                     " UNION ALL SELECT 'constraint', conname || ' ' || pg_get_constraintdef(oid) "
                     "FROM pg_constraint WHERE conrelid = " +
                     rel +
                     " UNION ALL SELECT 'index', pg_get_indexdef(indexrelid) || CASE WHEN "
                     "indisvalid THEN '' ELSE ' INVALID' END || CASE WHEN indisreplident THEN "
                     "' REPLICA IDENTITY' ELSE '' END FROM pg_index WHERE indrelid = " +
                     rel +
                     " UNION ALL SELECT 'table', 'replica identity ' || relreplident::text FROM "
                     "pg_class WHERE oid = " +
                     rel + ") dump ORDER BY kind, def");
  }

  // "name definition" of each constraint of public.`table`, by name (the
  // definition ends in NOT VALID for one not validated yet).
  std::vector<std::string> Constraints(const std::string& table) {
    Rows rows = Query(*old_,
                      "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE conrelid = 'public." +
                          table + "'::regclass AND contype <> 'n' ORDER BY conname");
    std::vector<std::string> out;
    for (auto& row : rows) out.push_back(row[0]);
    return out;
  }

  // pg_get_indexdef of each index of public.`table`, by name ("INVALID" appended if so).
  std::vector<std::string> Indexes(const std::string& table) {
    Rows rows = Query(*old_,
                      "SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' "
                      "ELSE ' INVALID' END FROM pg_index i JOIN pg_class c ON c.oid = "
                      "i.indexrelid WHERE i.indrelid = 'public." +
                          table + "'::regclass ORDER BY c.relname");
    std::vector<std::string> out;
    for (auto& row : rows) out.push_back(row[0]);
    return out;
  }

  // Runs start like OpsLifecycle::Start but returns its status instead of throwing.
  Status TryStart(const std::string& name, const std::string& yaml) {
    auto migration = migration::ParseMigration(yaml, name + ".yaml");
    if (!migration.ok()) return migration.status();
    auto engine = engine::Engine::Connect(url_, engine::Options{});
    if (!engine.ok()) return engine.status();
    engine_.emplace(std::move(engine).value());
    Status init = engine_->Init();
    if (!init.ok()) return init;
    return engine_->Start(*migration);
  }

  // A fresh database for the second half of a start/complete/rollback pair.
  void FreshDatabase() {
    url_ = zs::testing::FreshDatabaseUrl();
    old_ = Connect("public");
  }
};

inline ::testing::AssertionResult Has(const std::vector<std::string>& list,
                                      const std::string& item) {
  if (std::find(list.begin(), list.end(), item) != list.end()) {
    return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "\"" << item << "\" is not among:";
  for (const auto& entry : list) failure << "\n  " << entry;
  return failure;
}

}  // namespace zs::ops
