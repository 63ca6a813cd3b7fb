// The zeroshift schema in the target database: migration history (linear, at
// most one active migration per schema), the active step, backfill cursors,
// and the advisory lock that keeps two zeroshift processes apart.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"
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
// StateStore reads these; LoadMigration turns one into a MigrationRecord.
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
};

// The session holding a schema's advisory lock (pg/schema_lock.h).
using LockHolder = pg::AdvisoryLockHolder;

// Live control of a running backfill, set from another shell and read by the
// batch loop before every batch. Unset values leave the command line's.
struct BackfillControl {
  bool paused = false;
  std::optional<long long> batch_size;  // fixed batches of this many rows
  std::optional<long long> target_ms;   // adaptive batches aiming at this duration
  std::optional<long long> delay_ms;    // sleep between batches
};

class StateStore {
 public:
  explicit StateStore(pg::Connection& conn) : conn_(conn) {}

  // Creates the zeroshift schema and its tables if missing (idempotent).
  Status Init();
  Result<bool> IsInitialized();
  // Fails with a message that says to run `zeroshift init` when not initialised.
  Status RequireInitialized();

  // Adds what a newer zeroshift keeps (backfill control, cursor columns) to
  // a state schema created by an older one; nothing when it is up to date.
  Status Upgrade();

  // Session-level advisory lock on `schema`, held until the connection
  // closes. kConflict when another session holds it.
  Status AcquireSchemaLock(const std::string& schema);
  // Whether another session holds that lock (a zeroshift command is running).
  Result<bool> SchemaLockHeldElsewhere(const std::string& schema);
  // That session, if any: a runner whose process has gone holds nothing
  // (the server drops a session lock with the connection).
  Result<std::optional<LockHolder>> SchemaLockHolder(const std::string& schema);

  // The rows as stored; LoadActiveMigration and friends (state/load_migration.h)
  // type them.
  Result<std::optional<StoredMigration>> ActiveRow(const std::string& schema);
  Result<std::optional<StoredMigration>> LatestDoneRow(const std::string& schema);
  Result<std::vector<StoredMigration>> HistoryRows(const std::string& schema);

  // Inserts every field of `record` except the timestamps.
  Status Insert(const MigrationRecord& record);
  Status SetLiveSchema(const std::string& schema, const std::string& name,
                       const schema::Schema& live_schema);
  // SQL that sets the step; run alone or in the same transaction as DDL.
  std::string SetStepSql(const std::string& schema, const std::string& name, Step step) const;
  Status SetStep(const std::string& schema, const std::string& name, Step step);
  // SQL that records how many of the current step's actions have committed;
  // run in the same transaction as the last of them (SetStepSql resets it).
  std::string ActionsDoneSql(const std::string& schema, const std::string& name,
                             int actions_done) const;
  Status SetSnapshots(const std::string& schema, const std::string& name,
                      const std::vector<schema::Schema>& snapshots);
  std::string MarkDoneSql(const std::string& schema, const std::string& name,
                          const schema::Schema& resulting_schema) const;
  std::string DeleteSql(const std::string& schema, const std::string& name) const;

  Result<std::vector<BackfillCursor>> Cursors(const std::string& schema, const std::string& name);
  // Upsert of a cursor; meant to run inside the batch's transaction.
  // `new_run` also resets run_started_at to now().
  Status SaveCursor(const std::string& schema, const std::string& name,
                    const BackfillCursor& cursor, bool new_run = false);

  // The control row of a migration's backfill; defaults when there is none.
  Result<BackfillControl> Control(const std::string& schema, const std::string& name);
  // Replaces the control row (upsert).
  Status SetControl(const std::string& schema, const std::string& name,
                    const BackfillControl& control);

 private:
  Result<std::optional<StoredMigration>> QueryOne(const std::string& where_sql,
                                                  const std::string& schema);
  pg::Connection& conn_;
};

}  // namespace zs::state
