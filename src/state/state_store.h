// The zeroshift state in the target database: migration history (linear, at
// most one active migration per schema), the active step, backfill cursors,
// and the advisory lock that keeps two zeroshift processes apart. The
// interface and its records; the implementations are postgres_state_store.h
// and mariadb_state_store.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/schema_lock.h"
#include "schema/schema.h"
#include "state/step.h"

namespace zs::state {

// One migration file of a record that started several migrations as one
// version (`zeroshift migrate --single-version`): its name and content.
struct MigrationPart {
  std::string name;
  std::string migration_json;
};

// A row of zeroshift.migrations, typed. Read only through LoadMigration
// (state/load_migration.h), which parses the stored text once.
struct MigrationRecord {
  std::string schema;
  std::string name;
  std::string migration_json;  // the migration file as JSON
  std::optional<std::string> parent;
  bool done = false;
  std::string version_schema;
  Step step = Step::kStarting;
  // Schema snapshots: before each operation, then after the last. Empty only
  // for a row whose snapshots were never stored.
  std::vector<schema::Schema> snapshots;
  std::optional<schema::Schema> resulting_schema;
  // The catalog (schema::ReadSchema) as zeroshift left it after this
  // migration's latest step (start, complete, or baseline): what `zeroshift
  // drift` compares the live schema with. nullopt when not recorded.
  std::optional<schema::Schema> live_schema;
  // A baseline records the schema as it was; it has no operations and no
  // version schema, and the history before it no longer counts.
  bool baseline = false;
  // Several migrations started as one version: the row carries their
  // combined operations under the last one's name; `parts` keeps each file.
  // Empty for a row that is one migration.
  std::vector<MigrationPart> parts;
  // How many actions of `step` (completing, rolling_back) have committed: a
  // re-run after a crash skips them instead of repeating their DDL.
  int actions_done = 0;
  std::string created_at;
  std::string updated_at;
};

// The same row as stored: the step and the schemas as text ("" for NULL).
// A StateStore reads these; LoadMigration turns one into a MigrationRecord.
struct StoredMigration {
  std::string schema;
  std::string name;
  std::string migration_json;
  std::optional<std::string> parent;
  bool done = false;
  std::string version_schema;
  std::string step;
  std::string snapshots_json;
  std::string resulting_schema_json;
  std::string live_schema_json;
  bool baseline = false;
  std::vector<MigrationPart> parts;
  int actions_done = 0;
  std::string created_at;
  std::string updated_at;
};

struct BackfillCursor {
  std::string table;
  std::optional<std::string> last_key_json;  // JSON array of the last key's values as text
  long long rows_done = 0;
  bool finished = false;
  // For `zeroshift status` from another shell; written with each batch.
  long long rows_estimate = -1;  // pg_class.reltuples when the run began; -1 unknown
  long long batch_rows = 0;      // size of the latest batch
  long long run_rows_start = 0;  // rows_done when the current run began
  long long throttled_batches = 0;
  std::string throttle_reason;  // latest pressure episode; "" when none
  // Seconds the current run has worked, pauses excluded, as the runner
  // measured them when it saved the cursor: the rate of the run is
  // (rows_done - run_rows_start) / run_seconds, for the runner's own lines
  // and for `zeroshift status` alike (backfill::Progress::RowsPerSecond).
  double run_seconds = 0;
  // Why the last run stopped before the end: "SIGINT", "SIGTERM"; "" when it
  // did not stop that way (cleared by the next run's first batch).
  std::string interrupted_by;
  // Read back only (the server's clock): first batch, current run, last batch.
  std::string started_at;
  std::string run_started_at;
  std::string updated_at;
  // One key range of a parallel backfill (backfill/workers.h), named
  // RangeCursorName(base, i, n): its keys are those after range_start
  // (exclusive; nullopt: the table's first key) up to range_end (inclusive;
  // nullopt: open-ended, rows inserted meanwhile included), as JSON arrays
  // like last_key_json. Both nullopt on a whole-table cursor. When a table's
  // cursor has ranges, Cursors() returns it as their total (AggregateRanges).
  std::optional<std::string> range_start_json;
  std::optional<std::string> range_end_json;
};

// "users.first_name range 2/4": the cursor of range `index` (1-based) of
// `count` of the whole-table cursor `base`.
std::string RangeCursorName(const std::string& base, int index, int count);
// Whether `cursor` is one range of `base`'s backfill.
bool IsRangeOf(const BackfillCursor& cursor, const std::string& base);
// Each whole-table cursor that has ranges becomes their total: rows done,
// batch rows and throttled batches summed, finished when every range is,
// the longest run, the first stop or throttle reason. The ranges stay in the
// list, after it (ordered by name). A whole-table cursor without ranges is
// left as stored.
void AggregateRanges(std::vector<BackfillCursor>& cursors);

// The session holding a schema's advisory lock (pg/schema_lock.h). On MariaDB
// `pid` is the holder's connection id (PROCESSLIST ID) and `client` its
// user@host.
using LockHolder = pg::AdvisoryLockHolder;

// Live control of a running backfill, set from another shell and read by the
// batch loop before every batch. Unset values leave the command line's.
struct BackfillControl {
  bool paused = false;
  std::optional<long long> batch_size;  // fixed batches of this many rows
  std::optional<long long> target_ms;   // adaptive batches aiming at this duration
  std::optional<long long> delay_ms;    // sleep between batches
};

// The state store: where zeroshift keeps, in the target database, what it has
// done (one interface, one implementation per backend, chosen by
// OpenStateStore). PostgreSQL: the schema `zeroshift` of the target database
// (postgres_state_store.h); MariaDB: the database `zeroshift` of the server
// (mariadb_state_store.h). Tables: migrations (one row per migration: step,
// snapshots, parts, the migration file as JSON), backfill_cursors,
// backfill_control, and created_objects (written by engine/ownership, not
// through this interface).
//
// Contracts every implementation keeps:
//   - at most one active (not done) migration per schema: a second Insert of
//     an active row for the same schema fails (a unique index);
//   - history is in the order the rows were inserted (created_at, then name);
//   - timestamps come from the server's clock (PostgreSQL: timestamptz, as
//     text in the session's time zone; MariaDB: UTC, "...+00");
//   - the *Sql methods return SQL text for the caller to run, alone or together
//     with DDL: on a backend with transactional DDL (PostgreSQL) in the same
//     transaction, so the step and the DDL commit together; on a backend
//     without it (MariaDB: "DDL commits implicitly", ../shared/design/
//     mariadb.md) right after the DDL, so the step is recorded as intent
//     (SetStep before the DDL) then done (the returned SQL after it), and a
//     crash between the two leaves the intent, which a re-run repeats with
//     DDL that is safe to repeat. The text is one or more statements, each
//     ending in ';', separated by newlines (MariadbStatements, in the MariaDB
//     store's header, splits it for running one by one there).
class StateStore {
 public:
  virtual ~StateStore() = default;

  // Creates the zeroshift schema (database) and its tables if missing
  // (idempotent).
  virtual Status Init() = 0;
  virtual Result<bool> IsInitialized() = 0;
  // Fails with kNotFound and a message that says to run `zeroshift init` when
  // not initialised.
  virtual Status RequireInitialized() = 0;

  // Adds what a newer zeroshift keeps (backfill control, cursor columns) to
  // a state schema created by an older one; nothing when it is up to date.
  virtual Status Upgrade() = 0;

  // Session-level advisory lock on `schema`, held until the connection
  // closes. kConflict, naming the holder, when another session holds it.
  virtual Status AcquireSchemaLock(const std::string& schema) = 0;
  // Whether another session holds that lock (a zeroshift command is running).
  Result<bool> SchemaLockHeldElsewhere(const std::string& schema);
  // That session, if any: a runner whose process has gone holds nothing
  // (the server drops a session lock with the connection). Never this
  // session itself.
  virtual Result<std::optional<LockHolder>> SchemaLockHolder(const std::string& schema) = 0;

  // The rows as stored; LoadActiveMigration and friends (state/load_migration.h)
  // type them. Active: the schema's row that is not done; latest done: the
  // newest done row; history: every row, oldest first.
  virtual Result<std::optional<StoredMigration>> ActiveRow(const std::string& schema) = 0;
  virtual Result<std::optional<StoredMigration>> LatestDoneRow(const std::string& schema) = 0;
  virtual Result<std::vector<StoredMigration>> HistoryRows(const std::string& schema) = 0;

  // Inserts every field of `record` except the timestamps (the server's now).
  virtual Status Insert(const MigrationRecord& record) = 0;
  virtual Status SetLiveSchema(const std::string& schema, const std::string& name,
                               const schema::Schema& live_schema) = 0;
  // SQL that sets the step (and resets actions_done); run alone or with DDL
  // (see the contract above).
  virtual std::string SetStepSql(const std::string& schema, const std::string& name,
                                 Step step) const = 0;
  virtual Status SetStep(const std::string& schema, const std::string& name, Step step) = 0;
  // SQL that records how many of the current step's actions have committed;
  // run with the last of them (SetStepSql resets it).
  virtual std::string ActionsDoneSql(const std::string& schema, const std::string& name,
                                     int actions_done) const = 0;
  virtual Status SetSnapshots(const std::string& schema, const std::string& name,
                              const std::vector<schema::Schema>& snapshots) = 0;
  // SQL that marks the migration done with its resulting schema and deletes
  // its backfill cursors and control row; run with the last DDL of complete.
  virtual std::string MarkDoneSql(const std::string& schema, const std::string& name,
                                  const schema::Schema& resulting_schema) const = 0;
  // SQL that deletes the migration's row (its cursors and control go with it).
  virtual std::string DeleteSql(const std::string& schema, const std::string& name) const = 0;

  // The migration's cursors, by table name.
  virtual Result<std::vector<BackfillCursor>> Cursors(const std::string& schema,
                                                      const std::string& name) = 0;
  // Upsert of a cursor; meant to run inside the batch's transaction.
  // `new_run` also resets run_started_at to now.
  virtual Status SaveCursor(const std::string& schema, const std::string& name,
                            const BackfillCursor& cursor, bool new_run = false) = 0;

  // The control row of a migration's backfill; defaults when there is none.
  virtual Result<BackfillControl> Control(const std::string& schema, const std::string& name) = 0;
  // Replaces the control row (upsert).
  virtual Status SetControl(const std::string& schema, const std::string& name,
                            const BackfillControl& control) = 0;
};

// The state store of `session`'s backend, working through that session (which
// must outlive it).
std::unique_ptr<StateStore> OpenStateStore(backend::Session& session);

}  // namespace zs::state
