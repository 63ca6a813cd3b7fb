#include "state/state_store.h"

#include <fmt/format.h>

#include "pg/quote.h"

namespace zs::state {

namespace {

constexpr const char* kSchemaSql = R"sql(
CREATE SCHEMA IF NOT EXISTS zeroshift;
CREATE TABLE IF NOT EXISTS zeroshift.migrations (
  schema text NOT NULL,
  name text NOT NULL,
  migration jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  parent text,
  done boolean NOT NULL DEFAULT false,
  resulting_schema jsonb,
  version_schema text NOT NULL,
  step text NOT NULL DEFAULT 'starting',
  snapshots jsonb,
  PRIMARY KEY (schema, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS migrations_one_active ON zeroshift.migrations (schema) WHERE NOT done;
CREATE TABLE IF NOT EXISTS zeroshift.backfill_cursors (
  schema text NOT NULL,
  migration text NOT NULL,
  table_name text NOT NULL,
  last_key jsonb,
  rows_done bigint NOT NULL DEFAULT 0,
  finished boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema, migration, table_name),
  FOREIGN KEY (schema, migration) REFERENCES zeroshift.migrations ON DELETE CASCADE
);
)sql";

constexpr const char* kSelectColumns =
    "schema, name, migration::text, parent, done, version_schema, step, "
    "coalesce(snapshots::text, ''), coalesce(resulting_schema::text, ''), created_at::text, "
    "updated_at::text";

MigrationRecord RecordFromRow(const pg::Rows& rows, int row) {
  MigrationRecord r;
  r.schema = rows.Get(row, 0);
  r.name = rows.Get(row, 1);
  r.migration_json = rows.Get(row, 2);
  r.parent = rows.GetOptional(row, 3);
  r.done = rows.GetBool(row, 4);
  r.version_schema = rows.Get(row, 5);
  r.step = rows.Get(row, 6);
  r.snapshots_json = rows.Get(row, 7);
  r.resulting_schema_json = rows.Get(row, 8);
  r.created_at = rows.Get(row, 9);
  r.updated_at = rows.Get(row, 10);
  return r;
}

}  // namespace

Status StateStore::Init() { return conn_.Run(kSchemaSql); }

Result<bool> StateStore::IsInitialized() {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.Exec("SELECT to_regclass('zeroshift.migrations') IS NOT NULL"));
  return rows.GetBool(0, 0);
}

Status StateStore::RequireInitialized() {
  ZS_ASSIGN_OR_RETURN(bool initialized, IsInitialized());
  if (!initialized) {
    return Status(Code::kNotFound,
                  "this database has no zeroshift state (schema \"zeroshift\"); run `zeroshift "
                  "init` first");
  }
  return Status::Ok();
}

Status StateStore::AcquireSchemaLock(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.ExecParams("SELECT pg_try_advisory_lock(hashtext('zeroshift:' || $1))", {schema}));
  if (!rows.GetBool(0, 0)) {
    return Conflict(fmt::format(
        "another zeroshift process is working on schema \"{}\" (it holds the advisory lock); "
        "wait for it to finish, or find it in pg_stat_activity (application_name zeroshift)",
        schema));
  }
  return Status::Ok();
}

Result<std::optional<MigrationRecord>> StateStore::QueryOne(const std::string& where_sql,
                                                            const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.ExecParams(fmt::format("SELECT {} FROM zeroshift.migrations WHERE "
                                                   "schema = $1 AND {} LIMIT 1",
                                                   kSelectColumns, where_sql),
                                       {schema}));
  if (rows.empty()) return std::optional<MigrationRecord>();
  return std::optional<MigrationRecord>(RecordFromRow(rows, 0));
}

Result<std::optional<MigrationRecord>> StateStore::Active(const std::string& schema) {
  return QueryOne("NOT done", schema);
}

Result<std::optional<MigrationRecord>> StateStore::LatestDone(const std::string& schema) {
  return QueryOne("done ORDER BY created_at DESC, name DESC", schema);
}

Result<std::vector<MigrationRecord>> StateStore::History(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.ExecParams(fmt::format("SELECT {} FROM zeroshift.migrations WHERE schema = $1 "
                                   "ORDER BY created_at, name",
                                   kSelectColumns),
                       {schema}));
  std::vector<MigrationRecord> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(RecordFromRow(rows, i));
  return out;
}

Status StateStore::Insert(const MigrationRecord& r) {
  return conn_.RunParams(
      "INSERT INTO zeroshift.migrations (schema, name, migration, parent, version_schema, step, "
      "snapshots) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb)",
      {r.schema, r.name, r.migration_json, r.parent, r.version_schema, r.step,
       r.snapshots_json.empty() ? std::nullopt : std::optional(r.snapshots_json)});
}

std::string StateStore::SetStepSql(const std::string& schema, const std::string& name,
                                   const std::string& step) const {
  return fmt::format(
      "UPDATE zeroshift.migrations SET step = {}, updated_at = now() WHERE schema = {} AND name "
      "= {};",
      pg::QuoteLiteral(step), pg::QuoteLiteral(schema), pg::QuoteLiteral(name));
}

Status StateStore::SetStep(const std::string& schema, const std::string& name,
                           const std::string& step) {
  return conn_.Run(SetStepSql(schema, name, step));
}

Status StateStore::SetSnapshots(const std::string& schema, const std::string& name,
                                const std::string& snapshots_json) {
  return conn_.RunParams(
      "UPDATE zeroshift.migrations SET snapshots = $3::jsonb, updated_at = now() "
      "WHERE schema = $1 AND name = $2",
      {schema, name, snapshots_json});
}

std::string StateStore::MarkDoneSql(const std::string& schema, const std::string& name,
                                    const std::string& resulting_schema_json) const {
  return fmt::format(
      "UPDATE zeroshift.migrations SET done = true, step = 'done', resulting_schema = {}::jsonb, "
      "updated_at = now() WHERE schema = {} AND name = {};\n"
      "DELETE FROM zeroshift.backfill_cursors WHERE schema = {} AND migration = {};",
      pg::QuoteLiteral(resulting_schema_json), pg::QuoteLiteral(schema), pg::QuoteLiteral(name),
      pg::QuoteLiteral(schema), pg::QuoteLiteral(name));
}

std::string StateStore::DeleteSql(const std::string& schema, const std::string& name) const {
  return fmt::format("DELETE FROM zeroshift.migrations WHERE schema = {} AND name = {};",
                     pg::QuoteLiteral(schema), pg::QuoteLiteral(name));
}

Result<std::vector<BackfillCursor>> StateStore::Cursors(const std::string& schema,
                                                        const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.ExecParams("SELECT table_name, last_key::text, rows_done, finished FROM "
                       "zeroshift.backfill_cursors WHERE schema = $1 AND migration = $2 "
                       "ORDER BY table_name",
                       {schema, name}));
  std::vector<BackfillCursor> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({.table = rows.Get(i, 0),
                   .last_key_json = rows.GetOptional(i, 1),
                   .rows_done = rows.GetInt(i, 2),
                   .finished = rows.GetBool(i, 3)});
  }
  return out;
}

Status StateStore::SaveCursor(const std::string& schema, const std::string& name,
                              const BackfillCursor& c) {
  return conn_.RunParams(
      "INSERT INTO zeroshift.backfill_cursors (schema, migration, table_name, last_key, "
      "rows_done, finished) VALUES ($1, $2, $3, $4::jsonb, $5, $6) "
      "ON CONFLICT (schema, migration, table_name) DO UPDATE SET last_key = EXCLUDED.last_key, "
      "rows_done = EXCLUDED.rows_done, finished = EXCLUDED.finished, updated_at = now()",
      {schema, name, c.table, c.last_key_json, std::to_string(c.rows_done),
       c.finished ? "true" : "false"});
}

}  // namespace zs::state
