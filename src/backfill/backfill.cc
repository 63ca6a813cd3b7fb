#include "backfill/backfill.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "backend/postgres_backend.h"
#include "backfill/interrupt.h"
#include "backfill/yield_turn.h"
#include "pg/ddl_runner.h"

namespace zs::backfill {

namespace {

// MariaDB's backfill does not pace for clients (its probe counts none), so
// its default is the faster one: two sessions finished figure 6's type change
// in 2.63 and 3.55 s where one took 3.94 and 5.68 s (quiet machine,
// 2026-12-08, bench/README.md §6), the clients' longest request 10-12 ms
// either way. PostgreSQL keeps Options::auto_workers (one paced session).
constexpr int kBackfillMariadbDefaultWorkers = 2;

int BackfillDefaultWorkersFor(int auto_workers, bool mariadb) {
  if (auto_workers <= 0 || !mariadb) return auto_workers;  // 0: --backfill-workers was given
  return std::max(auto_workers, kBackfillMariadbDefaultWorkers);
}

// A lock wait given up or broken, or a serialization failure: the batch can
// run again as it was.
bool IsRetryable(const backend::Backend& backend, const Status& status) {
  backend::ErrorClass error_class = backend.Classify(status);
  return backend::IsLockFailure(error_class) ||
         error_class == backend::ErrorClass::kSerializationFailure;
}

using Clock = std::chrono::steady_clock;

void SleepFor(std::chrono::milliseconds total) { InterruptibleSleep(total); }

// A walk's share of the workers' turn (yield_turn.h), passed on however the
// walk ends.
class BackfillTurnLeave {
 public:
  BackfillTurnLeave(YieldTurn* turn, const void* walker) : turn_(turn), walker_(walker) {}
  ~BackfillTurnLeave() {
    if (turn_ != nullptr) turn_->Leave(walker_);
  }
  BackfillTurnLeave(const BackfillTurnLeave&) = delete;
  BackfillTurnLeave& operator=(const BackfillTurnLeave&) = delete;

 private:
  YieldTurn* turn_;
  const void* walker_;
};

}  // namespace

// The saved cursor (a JSON array of texts and NULLs) as a batch's cursor.
BatchCursor ParseCursor(const std::optional<std::string>& last_key_json) {
  BatchCursor cursor;
  if (!last_key_json) return cursor;
  for (const auto& value : nlohmann::json::parse(*last_key_json)) {
    if (value.is_null()) {
      cursor.push_back(std::nullopt);
    } else {
      cursor.push_back(value.get<std::string>());
    }
  }
  return cursor;
}

std::string CursorJson(const BatchCursor& cursor) {
  nlohmann::json key = nlohmann::json::array();
  for (const auto& value : cursor) key.push_back(value ? nlohmann::json(*value) : nlohmann::json());
  return key.dump();
}

double Progress::RowsPerSecond() const {
  return elapsed_seconds > 0 ? static_cast<double>(run_rows) / elapsed_seconds : 0;
}

double Progress::EtaSeconds() const {
  double rate = RowsPerSecond();
  if (finished) return 0;
  if (rate <= 0 || rows_estimate <= 0) return -1;
  return std::max(0.0, static_cast<double>(rows_estimate - rows_done) / rate);
}

std::string_view EventName(EventKind kind) {
  switch (kind) {
    case EventKind::kStart:
      return "start";
    case EventKind::kProgress:
      return "progress";
    case EventKind::kThrottle:
      return "throttle";
    case EventKind::kPause:
      return "pause";
    case EventKind::kResume:
      return "resume";
    case EventKind::kDone:
      return "done";
    case EventKind::kInterrupt:
      return "interrupt";
    case EventKind::kNote:
      return "note";
    case EventKind::kYield:
      return "yield";
  }
  return "progress";
}

// Everything one Run() keeps between batches.
struct Backfiller::RunState {
  std::string table_name;
  std::string qualified;
  std::string physical_name;
  state::BackfillCursor cursor;
  BatchSizeController controller;
  Clock::time_point started = Clock::now();
  bool adaptive = false;
  long long fixed_rows = 0;
  std::chrono::milliseconds delay{0};
  long long batches = 0;
  bool paused = false;
  Clock::time_point paused_at{};
  Clock::duration paused_total{};               // excluded from the rate: a pause is not slowness
  bool under_pressure = false;                  // inside a pressure episode: logged once
  std::chrono::duration<double> last_batch{0};  // the previous batch's duration
  bool new_run = true;                          // the first save of this run resets run_started_at
  bool visibility_noted = false;                // VisibilityNote emitted once per run
  bool yielding = false;                        // clients work: batches are paced (UpdateYield)
  std::string yield_reason;                     // why, when yielding began
};

Backfiller::Backfiller(pg::Connection& conn, state::StateStore& state, std::string schema,
                       std::string migration, Options options)
    : conn_(&conn),
      owned_cursors_(std::make_unique<StateCursorStore>(state)),
      cursors_(*owned_cursors_),
      batches_(MakePostgresBatchBackend(conn)),
      schema_(std::move(schema)),
      migration_(std::move(migration)),
      options_(std::move(options)) {}

Backfiller::Backfiller(backend::Session& session, CursorStore& cursors, std::string schema,
                       std::string migration, Options options)
    : session_(&session),
      conn_(session.backend().kind() == backend::Kind::kPostgres
                ? &backend::PostgresConnection(session)
                : nullptr),
      cursors_(cursors),
      batches_(BatchBackendFor(session, {.replica_urls = options.replica_urls})),
      schema_(std::move(schema)),
      migration_(std::move(migration)),
      options_(std::move(options)) {}

Backfiller::~Backfiller() = default;

double Backfiller::ActiveSeconds(const RunState& run) const {
  Clock::duration pausing = run.paused ? Clock::now() - run.paused_at : Clock::duration{};
  std::chrono::duration<double> elapsed = Clock::now() - run.started - run.paused_total - pausing;
  return elapsed.count();
}

void Backfiller::EmitNote(const std::string& note, RunState& run) const {
  if (!options_.on_event) return;
  Event event{.kind = EventKind::kNote};
  event.progress.table = run.table_name;
  event.progress.note = note;
  options_.on_event(event);
}

void Backfiller::Emit(EventKind kind, RunState& run) const {
  // The time saved with the cursor, not now: the rate printed here and the
  // one `zeroshift status` computes from the saved cursor are the same.
  Progress p{.table = run.table_name,
             .rows_done = run.cursor.rows_done,
             .rows_estimate = run.cursor.rows_estimate,
             .elapsed_seconds = run.cursor.run_seconds,
             .finished = run.cursor.finished,
             .run_rows = run.cursor.rows_done - run.cursor.run_rows_start,
             .batch_rows = run.adaptive ? run.controller.batch_rows() : run.fixed_rows,
             .batches = run.batches,
             .throttled_batches = run.cursor.throttled_batches,
             .paused = run.paused,
             .throttle_reason = run.cursor.throttle_reason,
             .interrupted_by = run.cursor.interrupted_by,
             .nice_ratio = options_.nice_ratio,
             .yielding = run.yielding,
             .yield_reason = run.yield_reason};
  if (run.cursor.range_end_json || run.cursor.range_start_json) {
    p.range = run.cursor.table.substr(run.cursor.table.rfind(' ') + 1);
  }
  if (kind == EventKind::kProgress && options_.on_progress) options_.on_progress(p);
  if (options_.on_event) options_.on_event({.kind = kind, .progress = std::move(p)});
}

Result<long long> Backfiller::RunBatch(TableBatches& batches, long long batch_rows, RunState& run) {
  state::BackfillCursor& cursor = run.cursor;
  BatchCursor params = ParseCursor(cursor.last_key_json);
  pg::RetryPolicy policy{.lock_timeout = options_.lock_timeout,
                         .max_attempts = options_.max_attempts};
  for (int attempt = 1;; ++attempt) {
    ZS_RETURN_IF_ERROR(batches.Begin());
    auto outcome = batches.Next(params, batch_rows);
    state::BackfillCursor next = cursor;
    Status status = outcome.status();
    if (status.ok()) {
      next.rows_done += outcome->rows_touched;
      next.batch_rows = batch_rows;
      next.run_seconds = ActiveSeconds(run);
      if (outcome->done) {
        next.finished = true;
      } else {
        next.last_key_json = CursorJson(outcome->cursor);
      }
      // In the batch's transaction: the cursor commits with the batch.
      status = cursors_.SaveCursor(schema_, migration_, next, run.new_run);
    }
    if (status.ok()) status = batches.Commit();
    if (status.ok()) {
      long long touched = next.rows_done - cursor.rows_done;
      cursor = next;
      run.new_run = false;
      return touched;
    }
    batches.Rollback();
    if (!IsRetryable(batches_->backend(), status) || attempt >= options_.max_attempts) {
      return status.WithContext(fmt::format("backfill of \"{}\" (batch after key {})", cursor.table,
                                            cursor.last_key_json.value_or("start")));
    }
    InterruptibleSleep(pg::BackoffDelay(policy, attempt));
  }
}

Status Backfiller::ApplyControl(RunState& run) {
  for (;;) {
    ZS_ASSIGN_OR_RETURN(state::BackfillControl control, cursors_.Control(schema_, migration_));
    if (control.batch_size) {
      run.adaptive = false;
      run.fixed_rows = std::max(1LL, *control.batch_size);
    } else if (control.target_ms) {
      run.adaptive = true;
      run.controller.SetTarget(std::chrono::milliseconds(std::max(1LL, *control.target_ms)));
    }
    run.delay =
        control.delay_ms ? std::chrono::milliseconds(*control.delay_ms) : options_.batch_delay;
    if (control.paused != run.paused) {
      run.paused = control.paused;
      if (run.paused) {
        run.paused_at = Clock::now();
      } else {
        run.paused_total += Clock::now() - run.paused_at;
      }
      Emit(run.paused ? EventKind::kPause : EventKind::kResume, run);
    }
    // Paused: no transaction is open here, only this poll. A signal ends
    // the wait (Run then stops).
    if (!run.paused || InterruptSignal() != 0) return Status::Ok();
    InterruptibleSleep(options_.pause_poll);
  }
}

void Backfiller::Sleep(std::chrono::milliseconds duration) const {
  if (options_.sleep) {
    options_.sleep(duration);
  } else {
    SleepFor(duration);
  }
}

void Backfiller::UpdateYield(const PressureSample& sample, bool pressured, RunState& run) {
  bool working = ShouldYield(sample, options_.nice_ratio);
  if (working != run.yielding) {
    run.yielding = working;
    run.yield_reason =
        working ? YieldReason(sample, options_.nice_ratio, options_.nice_walkers) : std::string();
    // Kept with the cursor (saved with the next batch): `status` shows why
    // the backfill goes slower.
    if (working) run.cursor.throttle_reason = run.yield_reason;
    Emit(EventKind::kYield, run);
  }
  if (working && !pressured) ++run.cursor.throttled_batches;  // a pressured one is counted
}

Status Backfiller::Throttle(RunState& run) {
  for (;;) {  // more than once only while waiting for a long transaction to end
    ZS_ASSIGN_OR_RETURN(
        PressureSample sample,
        options_.probe ? options_.probe()
                       : batches_->ProbePressure(schema_, run.physical_name, options_.pressure));
    if (std::string note = VisibilityNote(sample); !note.empty() && !run.visibility_noted) {
      run.visibility_noted = true;
      EmitNote(note, run);
    }
    ThrottleStep step = DecideThrottle(sample, options_.pressure, run.last_batch, run.controller,
                                       options_.pause_poll);
    UpdateYield(sample, !step.reason.empty(), run);
    if (step.reason.empty()) {
      if (run.under_pressure) run.controller.OnCalm();
      run.under_pressure = false;
      return Status::Ok();
    }
    ++run.cursor.throttled_batches;
    run.cursor.throttle_reason = step.reason;
    if (!run.under_pressure) {
      run.cursor.run_seconds = ActiveSeconds(run);
      Emit(EventKind::kThrottle, run);
      // Saved now, not with the next batch: `zeroshift status` names the
      // blocking session while the backfill waits for it or after it stopped.
      ZS_RETURN_IF_ERROR(cursors_.SaveCursor(schema_, migration_, run.cursor, run.new_run));
      run.new_run = false;
    }
    run.under_pressure = true;
    if (step.action == ThrottleStep::Action::kStop) {
      return Conflict(
          fmt::format("backfill of {} stopped after {} rows: {}; the cursor is saved, "
                      "run it again to resume",
                      run.table_name, run.cursor.rows_done, step.reason));
    }
    // One (smaller) batch still follows each sleep: a transaction that stays
    // open for hours slows the backfill down but cannot stall it forever
    // (unless the user chose to wait for it).
    Sleep(step.sleep);
    if (step.action != ThrottleStep::Action::kWaitAndProbe || InterruptSignal() != 0) {
      return Status::Ok();
    }
    ZS_RETURN_IF_ERROR(ApplyControl(run));
  }
}

Status Backfiller::Run(const schema::Table& table, const ops::BackfillTask& task) {
  return Run(table, task, {});
}

Status Backfiller::Run(const schema::Table& table, const ops::BackfillTask& task,
                       const std::vector<triggers::TriggerSpec>& up) {
  ZS_ASSIGN_OR_RETURN(std::vector<state::BackfillCursor> cursors,
                      cursors_.Cursors(schema_, migration_));
  // One cursor per (table, touched column): several tasks on one table each run.
  state::BackfillCursor cursor;
  cursor.table = task.table + "." + task.touch_column;
  bool ranged = false;
  for (const auto& saved : cursors) {
    if (saved.table == cursor.table) cursor = saved;
    ranged = ranged || state::IsRangeOf(saved, cursor.table);
  }
  if (cursor.finished) return Status::Ok();
  // The CLI's default parallelism (adaptive walks only).
  bool mariadb = batches_->backend().kind() == backend::Kind::kMariadb;
  int auto_workers = BackfillDefaultWorkersFor(options_.auto_workers, mariadb);
  bool by_default = options_.workers <= 1 && auto_workers > 1 && options_.adaptive &&
                    (conn_ != nullptr || mariadb) && static_cast<bool>(options_.open_session);
  int workers = by_default ? auto_workers : options_.workers;
  // Saved ranges win over the command line's count (workers.h).
  if (ranged || workers > 1) return RunParallel(table, task, up, cursors, workers, by_default);
  return Walk(table, task, up, std::move(cursor));
}

Status Backfiller::Walk(const schema::Table& table, const ops::BackfillTask& task,
                        const std::vector<triggers::TriggerSpec>& up,
                        state::BackfillCursor cursor) {
  bool range = cursor.range_start_json || cursor.range_end_json;
  // `table` may be the schema before the migration, which lacks a new touch
  // column: each backend reads the walk from the catalog, by physical name.
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<TableBatches> batches,
                      batches_->Prepare({.schema = schema_,
                                         .table = table.physical_name,
                                         .touch_column = task.touch_column,
                                         .up = up,
                                         .range_end = ParseCursor(cursor.range_end_json)},
                                        {.lock_timeout = options_.lock_timeout,
                                         .statement_timeout = options_.statement_timeout,
                                         .fire_user_triggers = options_.fire_user_triggers}));
  RunState run{.table_name = table.name,
               .qualified = batches_->backend().QuoteIdentifier(schema_) + "." +
                            batches_->backend().QuoteIdentifier(table.physical_name),
               .physical_name = table.physical_name,
               .cursor = std::move(cursor),
               .controller = BatchSizeController({.initial_rows = options_.batch_size,
                                                  .min_rows = options_.min_batch_rows,
                                                  .max_rows = options_.max_batch_rows,
                                                  .target = options_.target_batch,
                                                  .initial_backoff = options_.initial_backoff,
                                                  .max_backoff = options_.max_backoff}),
               .adaptive = options_.adaptive,
               .fixed_rows = std::max(1, options_.batch_size),
               .delay = options_.batch_delay};
  if (run.cursor.finished) return Status::Ok();
  ZS_RETURN_IF_ERROR(batches->CheckUserTriggers());
  // A range keeps the share of the estimate it was given when it was split.
  if (!range) {
    ZS_ASSIGN_OR_RETURN(run.cursor.rows_estimate,
                        batches_->EstimateRows(schema_, table.physical_name));
  }
  run.cursor.run_rows_start = run.cursor.rows_done;
  run.cursor.run_seconds = 0;
  run.cursor.interrupted_by.clear();
  Emit(EventKind::kStart, run);
  // A parallel backfill's workers share a turn (yield_turn.h); a single walk has none.
  YieldTurn* turn = CurrentYieldTurn();
  BackfillTurnLeave leave(turn, &run);
  while (!run.cursor.finished) {
    if (int signal = InterruptSignal(); signal != 0) return StopInterrupted(run, signal);
    // Another range failed (workers.cc): its error is the one reported.
    if (options_.stop_requested && options_.stop_requested()) {
      return Conflict(fmt::format("backfill of {} stopped after {} rows: another range failed",
                                  run.cursor.table, run.cursor.rows_done));
    }
    ZS_RETURN_IF_ERROR(ApplyControl(run));
    // Another walker holds the turn while clients work: parked, no probe and
    // no transaction, until it may run or it is time to read control again.
    if (turn != nullptr && !turn->MayRun(&run)) {
      turn->Park(&run, options_.pause_poll);
      continue;
    }
    if (run.adaptive) ZS_RETURN_IF_ERROR(Throttle(run));
    if (int signal = InterruptSignal(); signal != 0) return StopInterrupted(run, signal);
    if (options_.stop_requested && options_.stop_requested()) continue;  // stops at the top
    long long rows = run.adaptive ? run.controller.batch_rows() : run.fixed_rows;
    // Yielding to clients (--backfill-nice-ratio): N workers yield as one
    // session; the one holding the turn runs, the others park (above).
    bool yielding = run.adaptive && run.yielding;
    if (turn != nullptr && !turn->Report(&run, yielding)) continue;
    Clock::time_point batch_start = Clock::now();
    ZS_ASSIGN_OR_RETURN(long long touched, RunBatch(*batches, rows, run));
    run.last_batch = options_.batch_duration
                         ? options_.batch_duration()
                         : std::chrono::duration<double>(Clock::now() - batch_start);
    if (run.adaptive) run.controller.Observe(touched, run.last_batch);
    ++run.batches;
    Emit(EventKind::kProgress, run);
    if (touched > 0 && !run.cursor.finished) {
      if (yielding) Sleep(NiceDelay(options_.nice_ratio, run.last_batch));
      SleepFor(run.delay);
    }
  }
  Emit(EventKind::kDone, run);
  return Status::Ok();
}

Status Backfiller::StopInterrupted(RunState& run, int signal) {
  // Between batches: no transaction is open, the last batch has committed
  // with its cursor. Saved again with the reason, for `zeroshift status`.
  run.cursor.interrupted_by = SignalName(signal);
  run.cursor.run_seconds = ActiveSeconds(run);
  ZS_RETURN_IF_ERROR(cursors_.SaveCursor(schema_, migration_, run.cursor, run.new_run));
  run.new_run = false;
  Emit(EventKind::kInterrupt, run);
  return Conflict(fmt::format(
      "backfill of {} stopped by {} after {} rows (every batch so far committed, the cursor is "
      "saved): run `zeroshift backfill run` (or the same `zeroshift start`) to resume it, or "
      "`zeroshift rollback` to undo the migration",
      run.qualified, SignalName(signal), run.cursor.rows_done));
}

}  // namespace zs::backfill
