// What both state stores share of a row as stored: the JSON forms of parts,
// schemas and snapshots, and reading a migration row or a cursor out of a
// result whose columns come in the order both stores select them. The Rows
// type is the backend's (pg::Rows, mysql::Rows); `is_true` reads a boolean as
// that backend prints it ("t" or "1").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "schema/schema.h"
#include "state/state_store.h"

namespace zs::state {

// parts: a JSON array of {"name", "migration"}; entries without a name are
// skipped, "" or anything but an array gives none.
std::vector<MigrationPart> PartsFromJson(const std::string& text);
// nullopt (NULL) for none.
std::optional<std::string> PartsToJson(const std::vector<MigrationPart>& parts);
// schema::ToJson as text; nullopt (NULL) for none.
std::optional<std::string> SchemaText(const std::optional<schema::Schema>& schema);
// The stored form of the snapshots: a JSON array of schema::ToJson; nullopt
// (NULL) for none.
std::optional<std::string> SnapshotsText(const std::vector<schema::Schema>& snapshots);

// Row `row`, selected as: schema, name, migration, parent, done,
// version_schema, step, snapshots, resulting_schema, created_at, updated_at,
// live_schema, baseline, parts, actions_done ("" for a NULL text).
template <typename Rows, typename IsTrue>
StoredMigration StoredMigrationAt(const Rows& rows, int row, IsTrue is_true) {
  StoredMigration r;
  r.schema = rows.Get(row, 0);
  r.name = rows.Get(row, 1);
  r.migration_json = rows.Get(row, 2);
  r.parent = rows.GetOptional(row, 3);
  r.done = is_true(rows, row, 4);
  r.version_schema = rows.Get(row, 5);
  r.step = rows.Get(row, 6);
  r.snapshots_json = rows.Get(row, 7);
  r.resulting_schema_json = rows.Get(row, 8);
  r.created_at = rows.Get(row, 9);
  r.updated_at = rows.Get(row, 10);
  r.live_schema_json = rows.Get(row, 11);
  r.baseline = is_true(rows, row, 12);
  r.parts = PartsFromJson(rows.Get(row, 13));
  r.actions_done = static_cast<int>(rows.GetInt(row, 14));
  return r;
}

// Cursor `row`, selected as: table_name, last_key, rows_done, finished,
// rows_estimate, batch_rows, run_rows_start, throttled_batches,
// throttle_reason, started_at, run_started_at, updated_at, run_seconds,
// interrupted_by.
template <typename Rows, typename IsTrue>
BackfillCursor BackfillCursorAt(const Rows& rows, int i, IsTrue is_true) {
  return {.table = rows.Get(i, 0),
          .last_key_json = rows.GetOptional(i, 1),
          .rows_done = rows.GetInt(i, 2),
          .finished = is_true(rows, i, 3),
          .rows_estimate = rows.GetInt(i, 4),
          .batch_rows = rows.GetInt(i, 5),
          .run_rows_start = rows.GetInt(i, 6),
          .throttled_batches = rows.GetInt(i, 7),
          .throttle_reason = rows.Get(i, 8),
          .run_seconds = std::stod(rows.Get(i, 12)),
          .interrupted_by = rows.Get(i, 13),
          .started_at = rows.Get(i, 9),
          .run_started_at = rows.Get(i, 10),
          .updated_at = rows.Get(i, 11)};
}

}  // namespace zs::state
