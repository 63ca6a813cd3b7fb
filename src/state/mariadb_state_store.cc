#include "state/mariadb_state_store.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backend/mariadb_backend.h"
#include "state/stored_row.h"

namespace zs::state {

namespace {

// The tables, one statement each (a connection runs one per call), all
// idempotent. `schema` is a reserved word in MariaDB, hence its backticks.
//
// The byte-exact collation utf8mb4_nopad_bin compares names as PostgreSQL's
// text does: case-sensitive, and without the PAD SPACE rule under which 'a'
// equals 'a ' (utf8mb4_bin pads).
//
// At most one active migration per schema: MariaDB has no partial unique
// index, so `active_schema` is a generated column that is the schema while
// the row is not done and NULL once it is, under a UNIQUE key. A unique index
// ignores NULLs, so done rows never collide while two active rows of one
// schema do; InnoDB checks it under concurrent inserts as PostgreSQL's partial
// index does (a trigger checking for another active row could not see an
// uncommitted one). PERSISTENT (stored) so the index is an ordinary one.
//
// Timestamps: DATETIME(6) from UTC_TIMESTAMP(6), the server's clock in UTC
// whatever a session's time_zone (TIMESTAMP would convert through it).
//
// created_objects: no foreign key, for the reason PostgreSQL's has none (the
// record of an object outlives a hand-deleted state row). MariaDB has no oids:
// object_oid holds whatever numeric identity the ownership code chooses for
// an object there (0 when none), so the name is part of the key and objects
// without a numeric identity do not collide.
constexpr const char* kMariadbStateSchemaSql[] = {
    "CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.migrations (
  `schema` VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  migration LONGTEXT NOT NULL CHECK (JSON_VALID(migration)),
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  parent VARCHAR(255),
  done BOOLEAN NOT NULL DEFAULT FALSE,
  resulting_schema LONGTEXT CHECK (JSON_VALID(resulting_schema)),
  version_schema VARCHAR(64) NOT NULL,
  step VARCHAR(32) NOT NULL DEFAULT 'starting',
  snapshots LONGTEXT CHECK (JSON_VALID(snapshots)),
  live_schema LONGTEXT CHECK (JSON_VALID(live_schema)),
  baseline BOOLEAN NOT NULL DEFAULT FALSE,
  parts LONGTEXT CHECK (JSON_VALID(parts)),
  actions_done INT NOT NULL DEFAULT 0,
  tracks_objects BOOLEAN NOT NULL DEFAULT FALSE,
  active_schema VARCHAR(64) AS (IF(done, NULL, `schema`)) PERSISTENT,
  PRIMARY KEY (`schema`, name),
  UNIQUE KEY migrations_one_active (active_schema)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin)sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.backfill_cursors (
  `schema` VARCHAR(64) NOT NULL,
  migration VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  last_key LONGTEXT CHECK (JSON_VALID(last_key)),
  rows_done BIGINT NOT NULL DEFAULT 0,
  finished BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  started_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  run_started_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  run_rows_start BIGINT NOT NULL DEFAULT 0,
  rows_estimate BIGINT NOT NULL DEFAULT -1,
  batch_rows BIGINT NOT NULL DEFAULT 0,
  throttled_batches BIGINT NOT NULL DEFAULT 0,
  throttle_reason TEXT NOT NULL DEFAULT '',
  run_seconds DOUBLE,
  interrupted_by VARCHAR(32) NOT NULL DEFAULT '',
  range_start LONGTEXT CHECK (JSON_VALID(range_start)),
  range_end LONGTEXT CHECK (JSON_VALID(range_end)),
  PRIMARY KEY (`schema`, migration, table_name),
  FOREIGN KEY (`schema`, migration) REFERENCES {db}.migrations (`schema`, name)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin)sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.backfill_control (
  `schema` VARCHAR(64) NOT NULL,
  migration VARCHAR(255) NOT NULL,
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  batch_size BIGINT,
  target_ms BIGINT,
  delay_ms BIGINT,
  updated_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (`schema`, migration),
  FOREIGN KEY (`schema`, migration) REFERENCES {db}.migrations (`schema`, name)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin)sql",
    R"sql(CREATE TABLE IF NOT EXISTS {db}.created_objects (
  `schema` VARCHAR(64) NOT NULL,
  migration VARCHAR(255) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  object_schema VARCHAR(64) NOT NULL,
  table_name VARCHAR(64) NOT NULL DEFAULT '',
  name VARCHAR(64) NOT NULL,
  object_oid BIGINT UNSIGNED NOT NULL DEFAULT 0,
  attnum SMALLINT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  PRIMARY KEY (kind, object_schema, table_name, name, object_oid, attnum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin)sql",
};

// A DATETIME(6) column as PostgreSQL prints a timestamptz in UTC, so that
// what status shows reads the same on both.
std::string MariadbStateTimestamp(std::string_view column) {
  return fmt::format("DATE_FORMAT({}, '%Y-%m-%d %H:%i:%s.%f+00')", column);
}

std::string MariadbStateLiteralOrNull(const std::optional<std::string>& value) {
  return value ? mysql::QuoteLiteral(*value) : "NULL";
}

std::string MariadbStateNumberOrNull(const std::optional<long long>& value) {
  return value ? std::to_string(*value) : "NULL";
}

std::string MariadbStateBool(bool value) { return value ? "TRUE" : "FALSE"; }

bool MariadbStateGetBool(const mysql::Rows& rows, int row, int col) {
  return rows.Get(row, col) == "1";
}

std::optional<long long> MariadbStateOptionalInt(const mysql::Rows& rows, int row, int col) {
  if (rows.IsNull(row, col)) return std::nullopt;
  return rows.GetInt(row, col);
}

// The columns StoredMigrationAt reads, in its order.
std::string MariadbStateSelectColumns() {
  return fmt::format(
      "`schema`, name, migration, parent, done, version_schema, step, COALESCE(snapshots, ''), "
      "COALESCE(resulting_schema, ''), {}, {}, COALESCE(live_schema, ''), baseline, "
      "COALESCE(parts, ''), actions_done",
      MariadbStateTimestamp("created_at"), MariadbStateTimestamp("updated_at"));
}

// `schema` = ... AND <name column> = ...: a migration's rows.
std::string MariadbStateWhereMigration(const std::string& schema, std::string_view name_column,
                                       const std::string& name) {
  return fmt::format("`schema` = {} AND {} = {}", mysql::QuoteLiteral(schema), name_column,
                     mysql::QuoteLiteral(name));
}

}  // namespace

std::vector<std::string> MariadbStatements(const std::string& sql) {
  std::vector<std::string> out;
  auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  size_t begin = 0;
  while (begin < sql.size()) {
    size_t end = sql.find(";\n", begin);
    if (end == std::string::npos) end = sql.size();
    std::string statement = sql.substr(begin, end - begin);
    begin = end + 2;
    while (!statement.empty() && (statement.back() == ';' || blank(statement.back()))) {
      statement.pop_back();
    }
    size_t first = 0;
    while (first < statement.size() && blank(statement[first])) ++first;
    if (first < statement.size()) out.push_back(statement.substr(first));
  }
  return out;
}

MariadbStateStore::MariadbStateStore(backend::Session& session, std::string database)
    : session_(session),
      conn_(backend::MariadbConnection(session)),
      database_(std::move(database)),
      db_(mysql::QuoteIdentifier(database_)) {}

std::string MariadbStateStore::Sql(std::string_view sql) const {
  return fmt::format(fmt::runtime(sql), fmt::arg("db", db_));
}

Status MariadbStateStore::RunAll(const std::string& sql) {
  for (const std::string& statement : MariadbStatements(sql)) {
    ZS_RETURN_IF_ERROR(conn_.Run(statement));
  }
  return Status::Ok();
}

Status MariadbStateStore::Init() {
  for (const char* statement : kMariadbStateSchemaSql) {
    ZS_RETURN_IF_ERROR(
        conn_.Run(Sql(statement))
            .WithContext(fmt::format("creating the zeroshift state (database {})", db_)));
  }
  return Status::Ok();
}

Result<bool> MariadbStateStore::IsInitialized() {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn_.Exec(fmt::format("SELECT COUNT(*) FROM information_schema.TABLES "
                                             "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = "
                                             "'migrations'",
                                             mysql::QuoteLiteral(database_))));
  return rows.GetInt(0, 0) > 0;
}

Status MariadbStateStore::RequireInitialized() {
  ZS_ASSIGN_OR_RETURN(bool initialized, IsInitialized());
  if (!initialized) {
    return Status(Code::kNotFound,
                  fmt::format("this MariaDB server has no zeroshift state (database {}); run "
                              "`zeroshift init` first",
                              db_));
  }
  return Status::Ok();
}

Status MariadbStateStore::Upgrade() {
  // What a state created by an older zeroshift lacks, newest first: the
  // cursors' range_start/range_end (parallel backfill, backfill/workers.h),
  // and a cursor name longer than a table name (`<table>.<touch column>`,
  // plus ` range i/N` for a range: up to 64 + 1 + 64 + 12 characters; it was
  // VARCHAR(64), and a strict session refuses the longer name, error 1406).
  // The check keeps every later command off the table's metadata lock.
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format(
          "SELECT COALESCE(SUM(COLUMN_NAME = 'range_end'), 0), "
          "COALESCE(MAX(IF(COLUMN_NAME = 'table_name', CHARACTER_MAXIMUM_LENGTH, NULL)), 0) "
          "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND "
          "TABLE_NAME = 'backfill_cursors'",
          mysql::QuoteLiteral(database_))));
  bool has_ranges = rows.GetInt(0, 0) > 0;
  bool long_names = rows.GetInt(0, 1) >= kMariadbCursorNameLength;
  if (has_ranges && long_names) return Status::Ok();
  std::vector<std::string> changes;
  if (!has_ranges) {
    changes.push_back(
        "ADD COLUMN IF NOT EXISTS range_start LONGTEXT CHECK (JSON_VALID(range_start)), "
        "ADD COLUMN IF NOT EXISTS range_end LONGTEXT CHECK (JSON_VALID(range_end))");
  }
  if (!long_names) {
    changes.push_back(
        fmt::format("MODIFY COLUMN table_name VARCHAR({}) NOT NULL", kMariadbCursorNameLength));
  }
  return conn_.Run(fmt::format("ALTER TABLE {}.backfill_cursors {}", db_, fmt::join(changes, ", ")))
      .WithContext(fmt::format("upgrading the zeroshift state (database {})", db_));
}

Status MariadbStateStore::AcquireSchemaLock(const std::string& schema) {
  return session_.AcquireSchemaLock(schema);
}

Result<std::optional<LockHolder>> MariadbStateStore::SchemaLockHolder(const std::string& schema) {
  // PROCESSLIST shows another user's connections only to a role with the
  // PROCESS privilege: without it the holder is still known by its id.
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format(
          "SELECT l.id, COALESCE(CONCAT(p.USER, '@', p.HOST), '') FROM (SELECT IS_USED_LOCK({}) "
          "AS id) l LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id "
          "WHERE l.id IS NOT NULL AND l.id <> CONNECTION_ID()",
          mysql::QuoteLiteral(backend::MariadbSchemaLockName(schema)))));
  if (rows.empty()) return std::optional<LockHolder>();
  return std::optional<LockHolder>(
      LockHolder{.pid = static_cast<int>(rows.GetInt(0, 0)), .client = rows.Get(0, 1)});
}

Result<std::optional<StoredMigration>> MariadbStateStore::QueryOne(const std::string& where_sql,
                                                                   const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format("SELECT {} FROM {}.migrations WHERE `schema` = {} AND {} LIMIT 1",
                             MariadbStateSelectColumns(), db_, mysql::QuoteLiteral(schema),
                             where_sql)));
  if (rows.empty()) return std::optional<StoredMigration>();
  return std::optional<StoredMigration>(StoredMigrationAt(rows, 0, MariadbStateGetBool));
}

Result<std::optional<StoredMigration>> MariadbStateStore::ActiveRow(const std::string& schema) {
  return QueryOne("NOT done", schema);
}

Result<std::optional<StoredMigration>> MariadbStateStore::LatestDoneRow(const std::string& schema) {
  return QueryOne("done ORDER BY created_at DESC, name DESC", schema);
}

Result<std::vector<StoredMigration>> MariadbStateStore::HistoryRows(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format("SELECT {} FROM {}.migrations WHERE `schema` = {} ORDER BY "
                             "created_at, name",
                             MariadbStateSelectColumns(), db_, mysql::QuoteLiteral(schema))));
  std::vector<StoredMigration> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back(StoredMigrationAt(rows, i, MariadbStateGetBool));
  return out;
}

Status MariadbStateStore::Insert(const MigrationRecord& r) {
  // tracks_objects: as on PostgreSQL, this zeroshift records what it creates.
  return conn_.Run(fmt::format(
      "INSERT INTO {}.migrations (`schema`, name, migration, parent, version_schema, step, "
      "snapshots, done, resulting_schema, live_schema, baseline, parts, tracks_objects) VALUES "
      "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, TRUE)",
      db_, mysql::QuoteLiteral(r.schema), mysql::QuoteLiteral(r.name),
      mysql::QuoteLiteral(r.migration_json), MariadbStateLiteralOrNull(r.parent),
      mysql::QuoteLiteral(r.version_schema), mysql::QuoteLiteral(StepName(r.step)),
      MariadbStateLiteralOrNull(SnapshotsText(r.snapshots)), MariadbStateBool(r.done),
      MariadbStateLiteralOrNull(SchemaText(r.resulting_schema)),
      MariadbStateLiteralOrNull(SchemaText(r.live_schema)), MariadbStateBool(r.baseline),
      MariadbStateLiteralOrNull(PartsToJson(r.parts))));
}

Status MariadbStateStore::SetLiveSchema(const std::string& schema, const std::string& name,
                                        const schema::Schema& live_schema) {
  return conn_.Run(fmt::format(
      "UPDATE {}.migrations SET live_schema = {}, updated_at = UTC_TIMESTAMP(6) WHERE {}", db_,
      mysql::QuoteLiteral(schema::ToJson(live_schema).dump()),
      MariadbStateWhereMigration(schema, "name", name)));
}

std::string MariadbStateStore::SetStepSql(const std::string& schema, const std::string& name,
                                          Step step) const {
  return fmt::format(
      "UPDATE {}.migrations SET step = {}, actions_done = 0, updated_at = UTC_TIMESTAMP(6) "
      "WHERE {};\n",
      db_, mysql::QuoteLiteral(StepName(step)), MariadbStateWhereMigration(schema, "name", name));
}

Status MariadbStateStore::SetStep(const std::string& schema, const std::string& name, Step step) {
  return RunAll(SetStepSql(schema, name, step));
}

std::string MariadbStateStore::ActionsDoneSql(const std::string& schema, const std::string& name,
                                              int actions_done) const {
  return fmt::format(
      "UPDATE {}.migrations SET actions_done = {}, updated_at = UTC_TIMESTAMP(6) WHERE {};\n", db_,
      actions_done, MariadbStateWhereMigration(schema, "name", name));
}

Status MariadbStateStore::SetSnapshots(const std::string& schema, const std::string& name,
                                       const std::vector<schema::Schema>& snapshots) {
  return conn_.Run(
      fmt::format("UPDATE {}.migrations SET snapshots = {}, updated_at = UTC_TIMESTAMP(6) WHERE {}",
                  db_, MariadbStateLiteralOrNull(SnapshotsText(snapshots)),
                  MariadbStateWhereMigration(schema, "name", name)));
}

std::string MariadbStateStore::MarkDoneSql(const std::string& schema, const std::string& name,
                                           const schema::Schema& resulting_schema) const {
  // Marked done first: a crash before the DELETEs leaves only cursors of a
  // done migration, which nothing reads, and the next MarkDone or Delete
  // clears them.
  return fmt::format(
      "UPDATE {0}.migrations SET done = TRUE, step = {1}, resulting_schema = {2}, "
      "updated_at = UTC_TIMESTAMP(6) WHERE {3};\n"
      "DELETE FROM {0}.backfill_cursors WHERE {4};\n"
      "DELETE FROM {0}.backfill_control WHERE {4};\n",
      db_, mysql::QuoteLiteral(StepName(Step::kDone)),
      mysql::QuoteLiteral(schema::ToJson(resulting_schema).dump()),
      MariadbStateWhereMigration(schema, "name", name),
      MariadbStateWhereMigration(schema, "migration", name));
}

std::string MariadbStateStore::DeleteSql(const std::string& schema, const std::string& name) const {
  // The cursors and the control row go with it (ON DELETE CASCADE).
  return fmt::format("DELETE FROM {}.migrations WHERE {};\n", db_,
                     MariadbStateWhereMigration(schema, "name", name));
}

Result<std::vector<BackfillCursor>> MariadbStateStore::Cursors(const std::string& schema,
                                                               const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format(
          "SELECT table_name, last_key, rows_done, finished, rows_estimate, batch_rows, "
          "run_rows_start, throttled_batches, throttle_reason, {}, {}, {}, "
          "COALESCE(run_seconds, TIMESTAMPDIFF(MICROSECOND, run_started_at, updated_at) / 1e6), "
          "interrupted_by, range_start, range_end FROM {}.backfill_cursors WHERE {} "
          "ORDER BY table_name",
          MariadbStateTimestamp("started_at"), MariadbStateTimestamp("run_started_at"),
          MariadbStateTimestamp("updated_at"), db_,
          MariadbStateWhereMigration(schema, "migration", name))));
  std::vector<BackfillCursor> out;
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back(BackfillCursorAt(rows, i, MariadbStateGetBool));
    out.back().range_start_json = rows.GetOptional(i, 14);
    out.back().range_end_json = rows.GetOptional(i, 15);
  }
  AggregateRanges(out);
  return out;
}

Status MariadbStateStore::SaveCursor(const std::string& schema, const std::string& name,
                                     const BackfillCursor& c, bool new_run) {
  // A run_seconds that is not a number has no SQL literal: stored as unknown,
  // it reads back as the run's wall-clock time.
  std::string run_seconds =
      std::isfinite(c.run_seconds) ? fmt::format("{}", c.run_seconds) : std::string("NULL");
  // ON DUPLICATE KEY UPDATE assigns left to right: run_started_at reads its
  // own old value, which no earlier assignment changed.
  return conn_.Run(fmt::format(
      "INSERT INTO {}.backfill_cursors (`schema`, migration, table_name, last_key, rows_done, "
      "finished, rows_estimate, batch_rows, run_rows_start, throttled_batches, throttle_reason, "
      "run_seconds, interrupted_by, range_start, range_end) "
      "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
      "ON DUPLICATE KEY UPDATE last_key = VALUES(last_key), rows_done = VALUES(rows_done), "
      "finished = VALUES(finished), rows_estimate = VALUES(rows_estimate), "
      "batch_rows = VALUES(batch_rows), run_rows_start = VALUES(run_rows_start), "
      "throttled_batches = VALUES(throttled_batches), "
      "throttle_reason = VALUES(throttle_reason), run_seconds = VALUES(run_seconds), "
      "interrupted_by = VALUES(interrupted_by), range_start = VALUES(range_start), "
      "range_end = VALUES(range_end), updated_at = UTC_TIMESTAMP(6), "
      "run_started_at = IF({}, UTC_TIMESTAMP(6), run_started_at)",
      db_, mysql::QuoteLiteral(schema), mysql::QuoteLiteral(name), mysql::QuoteLiteral(c.table),
      MariadbStateLiteralOrNull(c.last_key_json), c.rows_done, MariadbStateBool(c.finished),
      c.rows_estimate, c.batch_rows, c.run_rows_start, c.throttled_batches,
      mysql::QuoteLiteral(c.throttle_reason), run_seconds, mysql::QuoteLiteral(c.interrupted_by),
      MariadbStateLiteralOrNull(c.range_start_json), MariadbStateLiteralOrNull(c.range_end_json),
      MariadbStateBool(new_run)));
}

Result<BackfillControl> MariadbStateStore::Control(const std::string& schema,
                                                   const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec(fmt::format("SELECT paused, batch_size, target_ms, delay_ms "
                             "FROM {}.backfill_control WHERE {}",
                             db_, MariadbStateWhereMigration(schema, "migration", name))));
  BackfillControl control;
  if (rows.empty()) return control;
  control.paused = MariadbStateGetBool(rows, 0, 0);
  control.batch_size = MariadbStateOptionalInt(rows, 0, 1);
  control.target_ms = MariadbStateOptionalInt(rows, 0, 2);
  control.delay_ms = MariadbStateOptionalInt(rows, 0, 3);
  return control;
}

Status MariadbStateStore::SetControl(const std::string& schema, const std::string& name,
                                     const BackfillControl& c) {
  return conn_.Run(fmt::format(
      "INSERT INTO {}.backfill_control (`schema`, migration, paused, batch_size, target_ms, "
      "delay_ms) VALUES ({}, {}, {}, {}, {}, {}) ON DUPLICATE KEY UPDATE "
      "paused = VALUES(paused), batch_size = VALUES(batch_size), "
      "target_ms = VALUES(target_ms), delay_ms = VALUES(delay_ms), "
      "updated_at = UTC_TIMESTAMP(6)",
      db_, mysql::QuoteLiteral(schema), mysql::QuoteLiteral(name), MariadbStateBool(c.paused),
      MariadbStateNumberOrNull(c.batch_size), MariadbStateNumberOrNull(c.target_ms),
      MariadbStateNumberOrNull(c.delay_ms)));
}

}  // namespace zs::state
