// Backfill: rewrites every existing row of a table in small batches so that
// the new columns hold `up` (PostgreSQL: the walks of batch_query.h, keyset or
// ctid ranges, whose UPDATE computes `up` while the dual-write trigger steps
// aside, postgres_step_aside.h, or else lets the trigger compute it; MariaDB:
// mariadb_batch.h, a keyset walk whose UPDATE computes `up`; the seam is
// batch_backend.h). Never an OFFSET from the start of the table, never one big
// UPDATE; each batch is its own short transaction that also saves the cursor,
// so an interrupted backfill resumes where it stopped.
//
// Between batches the loop reads the control row (pause, retune from another
// shell) and, in adaptive mode, probes for pressure and sizes the next batch
// so that it takes about the target duration.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backfill/batch_backend.h"
#include "backfill/cursor_store.h"
// PlanUserTriggers and EstimateTableRows, which the engine calls directly
// until it reaches the backfill through the seam.
#include "backfill/postgres_batch.h"
#include "backfill/throttle.h"
#include "backfill/workers.h"
#include "core/status.h"
#include "ops/action.h"
#include "pg/connection.h"
#include "schema/schema.h"
#include "state/state_store.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

struct Progress {
  std::string table;
  long long rows_done = 0;
  long long rows_estimate = -1;  // pg_class.reltuples; -1 when unknown
  double elapsed_seconds = 0;    // of this run, not counting pauses
  bool finished = false;
  long long run_rows = 0;    // rows touched by this run (rows_done minus the resumed cursor)
  long long batch_rows = 0;  // size of the next batch
  long long batches = 0;     // batches committed by this run
  long long throttled_batches = 0;
  bool paused = false;
  std::string throttle_reason;  // set on throttle events
  std::string interrupted_by;   // set on interrupt events: "SIGINT", "SIGTERM"
  std::string note;             // set on note events (throttle.h's VisibilityNote)
  // Parallel backfill (workers.h): the range a worker's event is about
  // ("2/4"); "" for the whole table (every event the caller sees).
  std::string range;
  int workers = 1;  // sessions walking the table now
  // --backfill-nice-ratio (0: never yields); yielding: clients are working,
  // so each batch is followed by a sleep (kYield says when it starts, with
  // `yield_reason`, and when it stops).
  double nice_ratio = 0;
  bool yielding = false;
  std::string yield_reason;

  // Rows per second of this run; 0 before the first batch.
  double RowsPerSecond() const;
  // Seconds left at this run's rate; -1 when unknown.
  double EtaSeconds() const;
};

// What the loop reports. kProgress comes after every batch; renderers decide
// how often to print. kInterrupt: a signal stopped the run (backfill/interrupt.h).
// kNote: something the user should know once (what the throttle cannot see).
// kYield: clients started working (progress.yielding, with yield_reason) or
// stopped (!yielding): once each, not per batch.
enum class EventKind {
  kStart,
  kProgress,
  kThrottle,
  kPause,
  kResume,
  kDone,
  kInterrupt,
  kNote,
  kYield
};
std::string_view EventName(EventKind kind);

struct Event {
  EventKind kind = EventKind::kProgress;
  Progress progress;
};

struct Options {
  // Fixed mode (adaptive = false): exactly batch_size rows per batch and
  // batch_delay between batches, no probes. Adaptive: batch_size is the
  // first batch's size.
  int batch_size = 500;
  std::chrono::milliseconds batch_delay{0};
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{30000};
  int max_attempts = 10;  // per batch, on lock timeouts and deadlocks
  std::function<void(const Progress&)> on_progress;

  bool adaptive = false;
  std::chrono::milliseconds target_batch{30};  // the CLI's default (cli/app.h)
  long long min_batch_rows = 100;
  long long max_batch_rows = 100000;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  PressureThresholds pressure;
  // Adaptive mode: while client sessions work in the database
  // (PressureSample::clients_working, hidden sessions included; the probe
  // before each batch says), the batch is followed by a sleep of nice_ratio
  // x its duration (NiceDelay): 1.0 leaves the clients about half of the
  // backfill's time; 0 never yields. The fixed schedule never yields (it is
  // exact). The CLI's default is 1.0 (bench/README.md §3); the library's is
  // 0, so that tests of other behaviour are not paced by their own sessions.
  double nice_ratio = 0;
  // How often a paused backfill re-reads the control row.
  std::chrono::milliseconds pause_poll{250};
  std::function<void(const Event&)> on_event;
  // Tests replace the pressure probe (ProbePressure on the table) and the
  // throttle's sleep, so that no test depends on timing.
  std::function<Result<PressureSample>()> probe;
  std::function<void(std::chrono::milliseconds)> sleep;
  // Tests: the duration each batch is taken to have had (the pacing and the
  // sizing use it), instead of the clock's.
  std::function<std::chrono::duration<double>()> batch_duration;

  // The table's own triggers never fire for the backfill's batches: each batch
  // runs with session_replication_role = replica (zeroshift's trigger is
  // ENABLE ALWAYS). A role that may not set it (not a superuser, no SET
  // privilege on the parameter) is refused when the table has user UPDATE
  // triggers, unless this opt-in says they may fire for every row.
  bool fire_user_triggers = false;

  // MariaDB: the replicas whose lag (SHOW ALL REPLICAS STATUS) the adaptive
  // mode yields to, as mariadb:// URLs; see ProbeTargets. PostgreSQL finds
  // its standbys itself.
  std::vector<std::string> replica_urls;
  // MariaDB: whether start may rebuild the table online before the backfill
  // (backfill::DecideMariadbRebuild decides when); false: never (--no-rebuild,
  // for a big table or a replica that would replay the rebuild as one
  // statement).
  bool mariadb_rebuild = true;

  // Parallel backfill (workers.h, `--backfill-workers`): this many sessions
  // walk disjoint key ranges of a table, each in its own short transactions.
  // Keyset walks only (PostgreSQL and MariaDB), adaptive mode only; 1 is the
  // single walk.
  int workers = 1;
  // The CLI's default when --backfill-workers is not given (`workers` is 1
  // then): PostgreSQL adaptive backfills use this many sessions where the
  // table can be split, and one session, without a note, elsewhere (MariaDB,
  // ctid walks, small tables). 0 or 1: no default parallelism.
  int auto_workers = 0;
  // ... for tables with at least this many rows left (tests lower it).
  long long auto_workers_min_rows = kAutoWorkersMinRows;
  // Set by workers.cc on each range's walk: the sessions walking the table
  // (for the yield's reason). yield_turn is no longer set or read: the
  // workers' turn is yield_turn.h's (one worker runs while clients work, the
  // others park), reached through CurrentYieldTurn(); it moves here at the
  // next change of this header.
  int nice_walkers = 1;
  std::function<std::unique_lock<std::mutex>()> yield_turn;
  // Opens one more session the way the backfill's own was opened (pinned
  // search_path, pooler refused); the engine sets it. Needed when workers > 1
  // or when a table has saved ranges.
  std::function<Result<std::unique_ptr<backend::Session>>()> open_session;
  // Set by workers.cc on each range's walk: true once another range failed,
  // so that this one stops before its next batch.
  std::function<bool()> stop_requested;
};

// The batch loop, shared by every database: what differs (the walk, the
// batch statement, its transaction, the probes, the estimate) is behind
// BatchBackend (batch_backend.h).
class Backfiller {
 public:
  // PostgreSQL over `conn`, the cursors in `state` (which uses `conn` too).
  Backfiller(pg::Connection& conn, state::StateStore& state, std::string schema,
             std::string migration, Options options);
  // The backend of `session`; `cursors` must write through that session
  // (CursorStore's contract). Both must outlive the Backfiller.
  Backfiller(backend::Session& session, CursorStore& cursors, std::string schema,
             std::string migration, Options options);
  ~Backfiller();

  // Touches every row of task.table, resuming from the saved cursor. After
  // SIGINT or SIGTERM (backfill/interrupt.h) it stops between batches, saves
  // the cursor with the signal's name, and fails naming how to resume.
  Status Run(const schema::Table& table, const ops::BackfillTask& task);
  // With the migration's trigger specs, for batches that compute `up`
  // themselves (MariaDB always, PostgreSQL where its trigger can step aside;
  // TableRequest::up).
  Status Run(const schema::Table& table, const ops::BackfillTask& task,
             const std::vector<triggers::TriggerSpec>& up);

 private:
  struct RunState;
  // Runs one batch of `rows` rows and saves the cursor in the same
  // transaction, retrying lock timeouts and deadlocks. Returns rows updated.
  Result<long long> RunBatch(TableBatches& batches, long long rows, RunState& run);
  // Applies the control row; blocks (without a transaction) while paused.
  Status ApplyControl(RunState& run);
  // Adaptive mode: sleeps and shrinks when the database is under pressure.
  Status Throttle(RunState& run);
  void Emit(EventKind kind, RunState& run) const;
  void EmitNote(const std::string& note, RunState& run) const;
  // Seconds this run has worked so far, pauses excluded.
  double ActiveSeconds(const RunState& run) const;
  Status StopInterrupted(RunState& run, int signal);
  // The batch loop over one cursor: the whole table, or one range of a
  // parallel backfill (cursor.range_end_json bounds it).
  Status Walk(const schema::Table& table, const ops::BackfillTask& task,
              const std::vector<triggers::TriggerSpec>& up, state::BackfillCursor cursor);
  // workers.cc: splits the table into ranges (or resumes the saved ones) and
  // walks them on worker sessions, one thread each.
  Status RunParallel(const schema::Table& table, const ops::BackfillTask& task,
                     const std::vector<triggers::TriggerSpec>& up,
                     const std::vector<state::BackfillCursor>& saved, int workers, bool by_default);
  // Whether the next batch yields to clients (ShouldYield on `sample`); says
  // once when yielding starts and when it stops.
  void UpdateYield(const PressureSample& sample, bool pressured, RunState& run);
  // options_.sleep (tests) or an interruptible sleep.
  void Sleep(std::chrono::milliseconds duration) const;

  backend::Session* session_ = nullptr;  // the Session constructor's
  pg::Connection* conn_ = nullptr;       // PostgreSQL only
  std::unique_ptr<CursorStore> owned_cursors_;
  CursorStore& cursors_;
  std::unique_ptr<BatchBackend> batches_;
  std::string schema_;
  std::string migration_;
  Options options_;
};

}  // namespace zs::backfill
