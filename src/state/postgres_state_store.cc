#include "state/postgres_state_store.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "pg/quote.h"
#include "pg/schema_lock.h"
#include "state/stored_row.h"

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
ALTER TABLE zeroshift.migrations
  ADD COLUMN IF NOT EXISTS live_schema jsonb,
  ADD COLUMN IF NOT EXISTS baseline boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS parts jsonb,
  ADD COLUMN IF NOT EXISTS actions_done integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS tracks_objects boolean NOT NULL DEFAULT false;
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
ALTER TABLE zeroshift.backfill_cursors
  ADD COLUMN IF NOT EXISTS started_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS run_started_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS run_rows_start bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS rows_estimate bigint NOT NULL DEFAULT -1,
  ADD COLUMN IF NOT EXISTS batch_rows bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS throttled_batches bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS throttle_reason text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS run_seconds float8,
  ADD COLUMN IF NOT EXISTS interrupted_by text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS range_start jsonb,
  ADD COLUMN IF NOT EXISTS range_end jsonb;
CREATE TABLE IF NOT EXISTS zeroshift.backfill_control (
  schema text NOT NULL,
  migration text NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  batch_size bigint,
  target_ms bigint,
  delay_ms bigint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema, migration),
  FOREIGN KEY (schema, migration) REFERENCES zeroshift.migrations ON DELETE CASCADE
);
-- Every object zeroshift created, by catalog identity (oid; attnum for a
-- column), recorded in the transaction that created it. No foreign key: the
-- record of an object must outlive a hand-deleted state row, so that doctor
-- still knows the object is zeroshift's.
CREATE TABLE IF NOT EXISTS zeroshift.created_objects (
  schema text NOT NULL,
  migration text NOT NULL,
  kind text NOT NULL,
  object_schema text NOT NULL,
  table_name text NOT NULL DEFAULT '',
  name text NOT NULL,
  object_oid oid NOT NULL,
  attnum smallint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, object_oid, attnum)
);
)sql";

std::optional<std::string> OptionalNumber(const std::optional<long long>& value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

std::optional<long long> OptionalInt(const pg::Rows& rows, int row, int col) {
  if (rows.IsNull(row, col)) return std::nullopt;
  return rows.GetInt(row, col);
}

// Columns added after the first release are read through to_jsonb(m), which
// yields NULL for a column a not-yet-upgraded state table lacks: read-only
// commands (validate, status, latest) never need to run Upgrade().
constexpr const char* kSelectColumns =
    "schema, name, migration::text, parent, done, version_schema, step, "
    "coalesce(snapshots::text, ''), coalesce(resulting_schema::text, ''), created_at::text, "
    "updated_at::text, coalesce(nullif(to_jsonb(m) -> 'live_schema', 'null')::text, ''), "
    "coalesce((to_jsonb(m) ->> 'baseline')::boolean, false), "
    "coalesce(nullif(to_jsonb(m) -> 'parts', 'null')::text, ''), "
    "coalesce((to_jsonb(m) ->> 'actions_done')::integer, 0)";

bool PostgresIsTrue(const pg::Rows& rows, int row, int col) { return rows.GetBool(row, col); }

// host:port and database of `conn` (no user, no password), for messages.
std::string ServerName(const pg::Connection& conn) {
  const char* host = PQhost(conn.raw());
  const char* port = PQport(conn.raw());
  const char* db = PQdb(conn.raw());
  return fmt::format("{}:{} (database \"{}\")", host ? host : "", port ? port : "", db ? db : "");
}

}  // namespace

Status PostgresStateStore::RequirePrimary() {
  // A standby answers reads, so status works there, but every write fails
  // with "read-only transaction" deep inside a command (start even blamed
  // the migration): after a failover the old URL may well name a standby.
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn_.Exec("SELECT pg_is_in_recovery()"));
  if (!rows.GetBool(0, 0)) return Status::Ok();
  return Status(
      Code::kInvalidInput,
      fmt::format("the server at {} is a standby in recovery (read-only), and zeroshift changes "
                  "only the primary: point --postgres-url at the primary (after a failover, at "
                  "the promoted standby, where `SELECT pg_is_in_recovery()` is false), run "
                  "`zeroshift status` there, then this command again",
                  ServerName(conn_)));
}

Status PostgresStateStore::Init() {
  ZS_RETURN_IF_ERROR(RequirePrimary());
  return conn_.Run(kSchemaSql);
}

Result<bool> PostgresStateStore::IsInitialized() {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.Exec("SELECT to_regclass('zeroshift.migrations') IS NOT NULL"));
  return rows.GetBool(0, 0);
}

Status PostgresStateStore::RequireInitialized() {
  ZS_ASSIGN_OR_RETURN(bool initialized, IsInitialized());
  if (!initialized) {
    return Status(Code::kNotFound,
                  "this database has no zeroshift state (schema \"zeroshift\"); run `zeroshift "
                  "init` first");
  }
  return Status::Ok();
}

Status PostgresStateStore::Upgrade() {
  // `tracks_objects` and created_objects (ownership records) and the cursors'
  // range_start/range_end (parallel backfill) are the newest.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.Exec("SELECT to_regclass('zeroshift.backfill_control') IS NOT NULL AND "
                 "to_regclass('zeroshift.created_objects') IS NOT NULL AND EXISTS "
                 "(SELECT 1 FROM pg_attribute WHERE attrelid = "
                 "to_regclass('zeroshift.migrations') AND attname = 'tracks_objects' AND NOT "
                 "attisdropped) AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
                 "to_regclass('zeroshift.backfill_cursors') AND attname = 'range_end' AND "
                 "NOT attisdropped)"));
  if (rows.GetBool(0, 0)) return Status::Ok();
  return Init();
}

Result<std::optional<LockHolder>> PostgresStateStore::SchemaLockHolder(const std::string& schema) {
  return pg::FindSchemaLockHolder(conn_, schema);
}

Status PostgresStateStore::AcquireSchemaLock(const std::string& schema) {
  // Every command that changes anything takes the lock first.
  ZS_RETURN_IF_ERROR(RequirePrimary());
  return pg::AcquireSchemaLock(conn_, schema);
}

Result<std::optional<StoredMigration>> PostgresStateStore::QueryOne(const std::string& where_sql,
                                                                    const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.ExecParams(fmt::format("SELECT {} FROM zeroshift.migrations m "
                                                   "WHERE schema = $1 AND {} LIMIT 1",
                                                   kSelectColumns, where_sql),
                                       {schema}));
  if (rows.empty()) return std::optional<StoredMigration>();
  return std::optional<StoredMigration>(StoredMigrationAt(rows, 0, PostgresIsTrue));
}

Result<std::optional<StoredMigration>> PostgresStateStore::ActiveRow(const std::string& schema) {
  return QueryOne("NOT done", schema);
}

Result<std::optional<StoredMigration>> PostgresStateStore::LatestDoneRow(
    const std::string& schema) {
  return QueryOne("done ORDER BY created_at DESC, name DESC", schema);
}

Result<std::vector<StoredMigration>> PostgresStateStore::HistoryRows(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.ExecParams(fmt::format("SELECT {} FROM zeroshift.migrations m WHERE schema = $1 "
                                   "ORDER BY created_at, name",
                                   kSelectColumns),
                       {schema}));
  std::vector<StoredMigration> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(StoredMigrationAt(rows, i, PostgresIsTrue));
  return out;
}

Status PostgresStateStore::Insert(const MigrationRecord& r) {
  // tracks_objects: this zeroshift records what it creates
  // (zeroshift.created_objects, engine/ownership.h); a row without it was
  // started by an older one, whose objects complete and rollback find by name.
  return conn_.RunParams(
      "INSERT INTO zeroshift.migrations (schema, name, migration, parent, version_schema, step, "
      "snapshots, done, resulting_schema, live_schema, baseline, parts, tracks_objects) VALUES "
      "($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10::jsonb, $11, $12::jsonb, "
      "true)",
      {r.schema, r.name, r.migration_json, r.parent, r.version_schema,
       std::string(StepName(r.step)), SnapshotsText(r.snapshots), r.done ? "true" : "false",
       SchemaText(r.resulting_schema), SchemaText(r.live_schema), r.baseline ? "true" : "false",
       PartsToJson(r.parts)});
}

Status PostgresStateStore::SetLiveSchema(const std::string& schema, const std::string& name,
                                         const schema::Schema& live_schema) {
  return conn_.RunParams(
      "UPDATE zeroshift.migrations SET live_schema = $3::jsonb, updated_at = now() "
      "WHERE schema = $1 AND name = $2",
      {schema, name, schema::ToJson(live_schema).dump()});
}

std::string PostgresStateStore::SetStepSql(const std::string& schema, const std::string& name,
                                           Step step) const {
  return fmt::format(
      "UPDATE zeroshift.migrations SET step = {}, actions_done = 0, updated_at = now() WHERE "
      "schema = {} AND name = {};",
      pg::QuoteLiteral(std::string(StepName(step))), pg::QuoteLiteral(schema),
      pg::QuoteLiteral(name));
}

std::string PostgresStateStore::ActionsDoneSql(const std::string& schema, const std::string& name,
                                               int actions_done) const {
  return fmt::format(
      "UPDATE zeroshift.migrations SET actions_done = {}, updated_at = now() WHERE schema = {} "
      "AND name = {};",
      actions_done, pg::QuoteLiteral(schema), pg::QuoteLiteral(name));
}

Status PostgresStateStore::SetStep(const std::string& schema, const std::string& name, Step step) {
  return conn_.Run(SetStepSql(schema, name, step));
}

Status PostgresStateStore::SetSnapshots(const std::string& schema, const std::string& name,
                                        const std::vector<schema::Schema>& snapshots) {
  return conn_.RunParams(
      "UPDATE zeroshift.migrations SET snapshots = $3::jsonb, updated_at = now() "
      "WHERE schema = $1 AND name = $2",
      {schema, name, SnapshotsText(snapshots)});
}

std::string PostgresStateStore::MarkDoneSql(const std::string& schema, const std::string& name,
                                            const schema::Schema& resulting_schema) const {
  return fmt::format(
      "UPDATE zeroshift.migrations SET done = true, step = {3}, resulting_schema = {0}::jsonb, "
      "updated_at = now() WHERE schema = {1} AND name = {2};\n"
      "DELETE FROM zeroshift.backfill_cursors WHERE schema = {1} AND migration = {2};\n"
      "DELETE FROM zeroshift.backfill_control WHERE schema = {1} AND migration = {2};",
      pg::QuoteLiteral(schema::ToJson(resulting_schema).dump()), pg::QuoteLiteral(schema),
      pg::QuoteLiteral(name), pg::QuoteLiteral(std::string(StepName(Step::kDone))));
}

std::string PostgresStateStore::DeleteSql(const std::string& schema,
                                          const std::string& name) const {
  return fmt::format("DELETE FROM zeroshift.migrations WHERE schema = {} AND name = {};",
                     pg::QuoteLiteral(schema), pg::QuoteLiteral(name));
}

Result<std::vector<BackfillCursor>> PostgresStateStore::Cursors(const std::string& schema,
                                                                const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn_.ExecParams(
          // Columns added later are read through to_jsonb(c): NULL on a state
          // table not yet upgraded (status does not upgrade it).
          "SELECT table_name, last_key::text, rows_done, finished, rows_estimate, batch_rows, "
          "run_rows_start, throttled_batches, throttle_reason, started_at::text, "
          "run_started_at::text, updated_at::text, "
          "coalesce((to_jsonb(c) ->> 'run_seconds')::float8, "
          "extract(epoch FROM updated_at - run_started_at)::float8), "
          "coalesce(to_jsonb(c) ->> 'interrupted_by', ''), "
          "(to_jsonb(c) -> 'range_start')::text, (to_jsonb(c) -> 'range_end')::text FROM "
          "zeroshift.backfill_cursors c WHERE schema = $1 AND migration = $2 ORDER BY table_name",
          {schema, name}));
  std::vector<BackfillCursor> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back(BackfillCursorAt(rows, i, PostgresIsTrue));
    // JSON null (no bound) reads as "null": no bound either.
    for (auto [column, field] : {std::pair{14, &BackfillCursor::range_start_json},
                                 std::pair{15, &BackfillCursor::range_end_json}}) {
      std::optional<std::string> bound = rows.GetOptional(i, column);
      if (bound && *bound != "null") out.back().*field = bound;
    }
  }
  AggregateRanges(out);
  return out;
}

Status PostgresStateStore::SaveCursor(const std::string& schema, const std::string& name,
                                      const BackfillCursor& c, bool new_run) {
  return conn_.RunParams(
      "INSERT INTO zeroshift.backfill_cursors (schema, migration, table_name, last_key, "
      "rows_done, finished, rows_estimate, batch_rows, run_rows_start, throttled_batches, "
      "throttle_reason, run_seconds, interrupted_by, range_start, range_end) "
      "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $13, $14, $15::jsonb, "
      "$16::jsonb) "
      "ON CONFLICT (schema, migration, table_name) DO UPDATE SET last_key = EXCLUDED.last_key, "
      "rows_done = EXCLUDED.rows_done, finished = EXCLUDED.finished, "
      "rows_estimate = EXCLUDED.rows_estimate, batch_rows = EXCLUDED.batch_rows, "
      "run_rows_start = EXCLUDED.run_rows_start, throttled_batches = EXCLUDED.throttled_batches, "
      "throttle_reason = EXCLUDED.throttle_reason, run_seconds = EXCLUDED.run_seconds, "
      "interrupted_by = EXCLUDED.interrupted_by, updated_at = clock_timestamp(), "
      "run_started_at = CASE WHEN $12 THEN now() "
      "ELSE zeroshift.backfill_cursors.run_started_at END",
      {schema, name, c.table, c.last_key_json, std::to_string(c.rows_done),
       c.finished ? "true" : "false", std::to_string(c.rows_estimate), std::to_string(c.batch_rows),
       std::to_string(c.run_rows_start), std::to_string(c.throttled_batches), c.throttle_reason,
       new_run ? "true" : "false", fmt::format("{}", c.run_seconds), c.interrupted_by,
       c.range_start_json, c.range_end_json});
}

Result<BackfillControl> PostgresStateStore::Control(const std::string& schema,
                                                    const std::string& name) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.ExecParams("SELECT paused, batch_size, target_ms, delay_ms FROM "
                                       "zeroshift.backfill_control WHERE schema = $1 AND "
                                       "migration = $2",
                                       {schema, name}));
  BackfillControl control;
  if (rows.empty()) return control;
  control.paused = rows.GetBool(0, 0);
  control.batch_size = OptionalInt(rows, 0, 1);
  control.target_ms = OptionalInt(rows, 0, 2);
  control.delay_ms = OptionalInt(rows, 0, 3);
  return control;
}

Status PostgresStateStore::SetControl(const std::string& schema, const std::string& name,
                                      const BackfillControl& c) {
  return conn_.RunParams(
      "INSERT INTO zeroshift.backfill_control (schema, migration, paused, batch_size, target_ms, "
      "delay_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (schema, migration) DO UPDATE SET "
      "paused = EXCLUDED.paused, batch_size = EXCLUDED.batch_size, "
      "target_ms = EXCLUDED.target_ms, delay_ms = EXCLUDED.delay_ms, updated_at = now()",
      {schema, name, c.paused ? "true" : "false", OptionalNumber(c.batch_size),
       OptionalNumber(c.target_ms), OptionalNumber(c.delay_ms)});
}

}  // namespace zs::state
