#include "backfill/backfill.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "backend/postgres_backend.h"
#include "backfill/batch_query.h"
#include "backfill/interrupt.h"
#include "pg/ddl_runner.h"
#include "pg/quote.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

namespace {

// A lock wait given up or broken, or a serialization failure: the batch can
// run again as it was.
bool IsRetryable(const Status& status) {
  backend::ErrorClass error_class = backend::Postgres().Classify(status);
  return backend::IsLockFailure(error_class) ||
         error_class == backend::ErrorClass::kSerializationFailure;
}

using Clock = std::chrono::steady_clock;

void SleepFor(std::chrono::milliseconds total) { InterruptibleSleep(total); }

// Enabled user triggers that an UPDATE setting only the marker column fires:
// UPDATE triggers (tgtype bit 4) without a column list, on the table or any
// of its partitions. tgenabled: O fires normally, A always, R only in
// replica mode, D never.
constexpr char kUserTriggersQuery[] = R"sql(
SELECT format('%I on %s', t.tgname, t.tgrelid::regclass), t.tgenabled::text
FROM pg_trigger t
WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass)
  AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 16) <> 0
  AND cardinality(t.tgattr::int2[]) = 0 AND t.tgname <> $2
ORDER BY 1)sql";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

Result<UserTriggerPlan> PlanUserTriggers(pg::Connection& conn, const std::string& schema,
                                         const std::string& table, bool fire_user_triggers) {
  std::string relation = pg::QualifiedName(schema, table);
  // zeroshift's own trigger is known by name; a user's trigger named like
  // ours (`_zs_audit`) is still the user's and counts.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(kUserTriggersQuery, {relation, triggers::TableTriggerName(schema, table)}));
  std::vector<std::string> normal, always;
  for (int i = 0; i < rows.size(); ++i) {
    (rows.Get(i, 1) == "O" ? normal : always).push_back(rows.Get(i, 0));
  }
  UserTriggerPlan plan;
  if (normal.empty() && always.empty()) return plan;
  if (fire_user_triggers) return plan;
  // Replica mode silences ordinary triggers; ENABLE ALWAYS / REPLICA ones
  // still fire, and nothing but the opt-in lets them.
  if (!always.empty()) {
    return InvalidInput(fmt::format(
        "table {} has triggers enabled ALWAYS or REPLICA ({}) that would fire for every row the "
        "backfill touches; pass --backfill-fires-user-triggers to let them, or disable them for "
        "the migration",
        relation, JoinNames(always)));
  }
  // SET LOCAL in a transaction that is rolled back: changes nothing.
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Status can_set = conn.Run("SET LOCAL session_replication_role = replica");
  ZS_RETURN_IF_ERROR(conn.Run("ROLLBACK"));
  // In replica mode zeroshift's own trigger must still fire, on every
  // partition: a relation where it exists but is not ENABLE ALWAYS would be
  // marked without `up` running. (Before start installs it, nothing to check.)
  if (can_set.ok()) {
    ZS_ASSIGN_OR_RETURN(
        pg::Rows not_always,
        conn.ExecParams("SELECT t.tgrelid::regclass::text FROM pg_trigger t WHERE t.tgrelid IN "
                        "(SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT "
                        "$1::regclass) AND t.tgname = $2 AND t.tgenabled <> 'A' LIMIT 1",
                        {relation, triggers::TableTriggerName(schema, table)}));
    if (!not_always.empty()) {
      can_set = Internal(
          fmt::format("zeroshift's trigger on {} is not ENABLE ALWAYS", not_always.Get(0, 0)));
    }
  }
  if (!can_set.ok()) {
    return InvalidInput(fmt::format(
        "table {} has user triggers ({}) that the backfill would fire for every row (a "
        "`updated_at` trigger would rewrite every timestamp), and this role may not set "
        "session_replication_role to keep them quiet ({}); run zeroshift as a superuser or "
        "GRANT SET ON PARAMETER session_replication_role to it, or pass "
        "--backfill-fires-user-triggers to let them fire",
        relation, JoinNames(normal), can_set.message()));
  }
  plan.replica = true;
  return plan;
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
  }
  return "progress";
}

// Everything one Run() keeps between batches.
struct Backfiller::RunState {
  std::string table_name;
  std::string qualified;
  bool replica = false;  // see UserTriggerPlan
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
};

namespace {

// Each heap of the relation (itself, or its leaf partitions): the planner's
// row count (-1 when never vacuumed or analysed) and its size in pages now.
constexpr char kHeapStatsQuery[] = R"sql(
SELECT c.oid::regclass::text, c.reltuples::float8,
       (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint
FROM pg_class c
WHERE c.relkind IN ('r', 'm') AND (c.oid = to_regclass($1) OR c.oid IN
      (SELECT relid FROM pg_partition_tree(to_regclass($1)) WHERE isleaf)))sql";

// A heap the statistics know nothing of: its first kSampleRows rows are
// read; fewer means they are all of it, else their density over the pages
// they span gives the estimate for the heap's size.
constexpr long long kSampleRows = 10000;

Result<long long> EstimateUnanalysedHeap(pg::Connection& conn, const std::string& heap,
                                         long long pages) {
  if (pages == 0) return 0LL;
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.Exec(fmt::format("SELECT count(*), coalesce(max((ctid::text::point)[0]), 0)::bigint + 1 "
                            "FROM (SELECT ctid FROM ONLY {} LIMIT {}) s",
                            heap, kSampleRows)));
  long long sampled = rows.GetInt(0, 0);
  long long spanned = rows.GetInt(0, 1);
  if (sampled < kSampleRows) return sampled;
  double per_page = static_cast<double>(sampled) / static_cast<double>(std::max(1LL, spanned));
  return std::max(sampled, static_cast<long long>(per_page * static_cast<double>(pages)));
}

}  // namespace

Result<long long> EstimateTableRows(pg::Connection& conn, const std::string& relation) {
  ZS_ASSIGN_OR_RETURN(pg::Rows heaps, conn.ExecParams(kHeapStatsQuery, {relation}));
  if (heaps.empty()) return -1LL;
  long long total = 0;
  for (int i = 0; i < heaps.size(); ++i) {
    double reltuples = std::stod(heaps.Get(i, 1));
    if (reltuples >= 0) {
      total += static_cast<long long>(reltuples);
      continue;
    }
    ZS_ASSIGN_OR_RETURN(long long rows,
                        EstimateUnanalysedHeap(conn, heaps.Get(i, 0), heaps.GetInt(i, 2)));
    total += rows;
  }
  return total;
}

Result<long long> Backfiller::EstimateRows(const schema::Table& table) {
  return EstimateTableRows(conn_, pg::QualifiedName(schema_, table.physical_name));
}

double Backfiller::ActiveSeconds(const RunState& run) const {
  Clock::duration pausing = run.paused ? Clock::now() - run.paused_at : Clock::duration{};
  std::chrono::duration<double> elapsed = Clock::now() - run.started - run.paused_total - pausing;
  return elapsed.count();
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
             .interrupted_by = run.cursor.interrupted_by};
  if (kind == EventKind::kProgress && options_.on_progress) options_.on_progress(p);
  if (options_.on_event) options_.on_event({.kind = kind, .progress = std::move(p)});
}

Result<long long> Backfiller::RunBatch(const BatchQuery& query, long long batch_rows,
                                       RunState& run) {
  state::BackfillCursor& cursor = run.cursor;
  std::vector<std::optional<std::string>> params;
  if (cursor.last_key_json) {
    for (const auto& value : nlohmann::json::parse(*cursor.last_key_json)) {
      if (value.is_null()) {
        params.push_back(std::nullopt);
      } else {
        params.push_back(value.get<std::string>());
      }
    }
  }
  std::string sql = query.Sql(batch_rows, !cursor.last_key_json.has_value());
  pg::RetryPolicy policy{.lock_timeout = options_.lock_timeout,
                         .max_attempts = options_.max_attempts};
  for (int attempt = 1;; ++attempt) {
    ZS_RETURN_IF_ERROR(conn_.Run(fmt::format(
        "BEGIN; SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms';{}",
        options_.lock_timeout.count(), options_.statement_timeout.count(),
        run.replica ? " SET LOCAL session_replication_role = replica;" : "")));
    auto rows = conn_.ExecParams(sql, params);
    state::BackfillCursor next = cursor;
    Status status = rows.status();
    if (status.ok()) {
      // No row: the batch was empty, the walk is over.
      long long touched = rows->empty() ? 0 : rows->GetInt(0, 0);
      next.rows_done += touched;
      next.batch_rows = batch_rows;
      next.run_seconds = ActiveSeconds(run);
      if (rows->empty() || rows->GetBool(0, 1)) {
        next.finished = true;
      } else {
        nlohmann::json key = nlohmann::json::array();
        for (int i = 0; i < query.cursor_width(); ++i) {
          auto value = rows->GetOptional(0, i + 2);
          key.push_back(value ? nlohmann::json(*value) : nlohmann::json());
        }
        next.last_key_json = key.dump();
      }
      status = state_.SaveCursor(schema_, migration_, next, run.new_run);
    }
    if (status.ok()) status = conn_.Run("COMMIT");
    if (status.ok()) {
      long long touched = next.rows_done - cursor.rows_done;
      cursor = next;
      run.new_run = false;
      return touched;
    }
    (void)conn_.Run("ROLLBACK");
    if (!IsRetryable(status) || attempt >= options_.max_attempts) {
      return status.WithContext(fmt::format("backfill of \"{}\" (batch after key {})", cursor.table,
                                            cursor.last_key_json.value_or("start")));
    }
    InterruptibleSleep(pg::BackoffDelay(policy, attempt));
  }
}

Status Backfiller::ApplyControl(RunState& run) {
  for (;;) {
    ZS_ASSIGN_OR_RETURN(state::BackfillControl control, state_.Control(schema_, migration_));
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

Status Backfiller::Throttle(RunState& run) {
  for (;;) {  // more than once only while waiting for a long transaction to end
    ZS_ASSIGN_OR_RETURN(
        PressureSample sample,
        options_.probe ? options_.probe() : ProbePressure(conn_, run.qualified, options_.pressure));
    ThrottleStep step = DecideThrottle(sample, options_.pressure, run.last_batch, run.controller,
                                       options_.pause_poll);
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
      ZS_RETURN_IF_ERROR(state_.SaveCursor(schema_, migration_, run.cursor, run.new_run));
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
    if (options_.sleep) {
      options_.sleep(step.sleep);
    } else {
      SleepFor(step.sleep);
    }
    if (step.action != ThrottleStep::Action::kWaitAndProbe || InterruptSignal() != 0) {
      return Status::Ok();
    }
    ZS_RETURN_IF_ERROR(ApplyControl(run));
  }
}

Status Backfiller::Run(const schema::Table& table, const ops::BackfillTask& task) {
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<BatchQuery> query,
                      MakeBatchQuery(conn_, schema_, table, task.touch_column));
  ZS_ASSIGN_OR_RETURN(std::vector<state::BackfillCursor> cursors,
                      state_.Cursors(schema_, migration_));
  RunState run{.table_name = table.name,
               .qualified = pg::QualifiedName(schema_, table.physical_name),
               .cursor = {},
               .controller = BatchSizeController({.initial_rows = options_.batch_size,
                                                  .min_rows = options_.min_batch_rows,
                                                  .max_rows = options_.max_batch_rows,
                                                  .target = options_.target_batch,
                                                  .initial_backoff = options_.initial_backoff,
                                                  .max_backoff = options_.max_backoff}),
               .adaptive = options_.adaptive,
               .fixed_rows = std::max(1, options_.batch_size),
               .delay = options_.batch_delay};
  // One cursor per (table, touched column): several tasks on one table each run.
  run.cursor.table = task.table + "." + task.touch_column;
  for (const auto& saved : cursors) {
    if (saved.table == run.cursor.table) run.cursor = saved;
  }
  if (run.cursor.finished) return Status::Ok();
  ZS_ASSIGN_OR_RETURN(
      UserTriggerPlan user_triggers,
      PlanUserTriggers(conn_, schema_, table.physical_name, options_.fire_user_triggers));
  run.replica = user_triggers.replica;
  ZS_ASSIGN_OR_RETURN(run.cursor.rows_estimate, EstimateRows(table));
  run.cursor.run_rows_start = run.cursor.rows_done;
  run.cursor.run_seconds = 0;
  run.cursor.interrupted_by.clear();
  Emit(EventKind::kStart, run);
  while (!run.cursor.finished) {
    if (int signal = InterruptSignal(); signal != 0) return StopInterrupted(run, signal);
    ZS_RETURN_IF_ERROR(ApplyControl(run));
    if (run.adaptive) ZS_RETURN_IF_ERROR(Throttle(run));
    if (int signal = InterruptSignal(); signal != 0) return StopInterrupted(run, signal);
    long long rows = run.adaptive ? run.controller.batch_rows() : run.fixed_rows;
    Clock::time_point batch_start = Clock::now();
    ZS_ASSIGN_OR_RETURN(long long touched, RunBatch(*query, rows, run));
    run.last_batch = Clock::now() - batch_start;
    if (run.adaptive) run.controller.Observe(touched, run.last_batch);
    ++run.batches;
    Emit(EventKind::kProgress, run);
    if (touched > 0 && !run.cursor.finished) SleepFor(run.delay);
  }
  Emit(EventKind::kDone, run);
  return Status::Ok();
}

Status Backfiller::StopInterrupted(RunState& run, int signal) {
  // Between batches: no transaction is open, the last batch has committed
  // with its cursor. Saved again with the reason, for `zeroshift status`.
  run.cursor.interrupted_by = SignalName(signal);
  run.cursor.run_seconds = ActiveSeconds(run);
  ZS_RETURN_IF_ERROR(state_.SaveCursor(schema_, migration_, run.cursor, run.new_run));
  run.new_run = false;
  Emit(EventKind::kInterrupt, run);
  return Conflict(fmt::format(
      "backfill of {} stopped by {} after {} rows (every batch so far committed, the cursor is "
      "saved): run `zeroshift backfill run` (or the same `zeroshift start`) to resume it, or "
      "`zeroshift rollback` to undo the migration",
      run.qualified, SignalName(signal), run.cursor.rows_done));
}

}  // namespace zs::backfill
