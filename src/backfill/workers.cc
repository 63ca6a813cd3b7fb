#include "backfill/workers.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "backfill/backfill.h"
#include "backfill/interrupt.h"
#include "backfill/yield_turn.h"
#include "pg/quote.h"

namespace zs::backfill {

namespace {

using WorkerClock = std::chrono::steady_clock;

// PostgreSQL's split keys (PostgresBatchBackend::SplitKeys calls SplitKeys
// below; MariaDB's are MariadbSplitKeys, mariadb_batch.h). Everything after
// them is the same for every database: it reaches the server only through
// BatchBackend (batch_backend.h) and the worker sessions' state stores.

std::string JoinWith(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

// "(zs_row.k1, ...) > ('v1'::type1, ...)", or "true" with no cursor: the
// keys after `after`, as literals (the split queries have their own parameters).
std::string KeysAfterLiteral(const TableWalk& walk, const BatchCursor& after) {
  if (after.empty()) return "true";
  std::vector<std::string> columns, values;
  for (size_t i = 0; i < walk.key.size() && i < after.size(); ++i) {
    columns.push_back(fmt::format("{}.{}", kRowAlias, pg::QuoteIdent(walk.key[i].name)));
    values.push_back(after[i] ? fmt::format("{}::{}", pg::QuoteLiteral(*after[i]), walk.key[i].type)
                              : std::string("NULL"));
  }
  return fmt::format("({}) > ({})", JoinWith(columns, ", "), JoinWith(values, ", "));
}

struct KeySql {
  std::string texts;  // "zs_row.k1::text, ..."
  std::string order;  // "zs_row.k1, ..."
};

KeySql KeyColumns(const TableWalk& walk) {
  std::vector<std::string> texts, order;
  for (const auto& column : walk.key) {
    std::string quoted = fmt::format("{}.{}", kRowAlias, pg::QuoteIdent(column.name));
    texts.push_back(quoted + "::text");
    order.push_back(quoted);
  }
  return {JoinWith(texts, ", "), JoinWith(order, ", ")};
}

// Candidate keys from the planner's histogram of the key's first column,
// each bound resolved to the first full key at or after it (one index probe
// per bound, about 100). None without statistics.
Result<std::vector<BatchCursor>> HistogramKeys(pg::Connection& conn, const TableWalk& walk,
                                               const std::string& schema, const std::string& table,
                                               const BatchCursor& after) {
  KeySql key = KeyColumns(walk);
  std::string sql = fmt::format(
      "WITH zs_bounds AS (SELECT u.v, u.n FROM pg_stats s, "
      "unnest(s.histogram_bounds::text::text[]) WITH ORDINALITY u(v, n) "
      "WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname = $3 AND s.inherited = $4) "
      "SELECT zs_key.* FROM zs_bounds, LATERAL (SELECT {texts} FROM {rel} {alias} WHERE "
      "{alias}.{first} >= zs_bounds.v::{type} AND {after} ORDER BY {order} LIMIT 1) zs_key "
      "ORDER BY zs_bounds.n",
      fmt::arg("texts", key.texts), fmt::arg("rel", walk.relation), fmt::arg("alias", kRowAlias),
      fmt::arg("first", pg::QuoteIdent(walk.key[0].name)), fmt::arg("type", walk.key[0].type),
      fmt::arg("after", KeysAfterLiteral(walk, after)), fmt::arg("order", key.order));
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(sql, {schema, table, walk.key[0].name,
                                                           walk.partitioned ? "true" : "false"}));
  std::vector<BatchCursor> out;
  for (int i = 0; i < rows.size(); ++i) {
    BatchCursor k;
    for (size_t c = 0; c < walk.key.size(); ++c)
      k.push_back(rows.GetOptional(i, static_cast<int>(c)));
    if (out.empty() || out.back() != k) out.push_back(std::move(k));
  }
  return out;
}

// Without statistics: the key at each of `ranges` - 1 evenly spaced offsets
// of the remaining rows, read in key order on the key's index.
Result<std::vector<BatchCursor>> OffsetKeys(pg::Connection& conn, const TableWalk& walk,
                                            const BatchCursor& after, int ranges,
                                            long long remaining) {
  KeySql key = KeyColumns(walk);
  std::vector<BatchCursor> out;
  for (int i = 1; i < ranges; ++i) {
    long long offset = remaining * i / ranges - 1;
    ZS_ASSIGN_OR_RETURN(
        pg::Rows rows,
        conn.Exec(fmt::format("SELECT {} FROM {} {} WHERE {} ORDER BY {} OFFSET {} LIMIT 1",
                              key.texts, walk.relation, kRowAlias, KeysAfterLiteral(walk, after),
                              key.order, std::max(0LL, offset))));
    if (rows.empty()) break;
    BatchCursor k;
    for (size_t c = 0; c < walk.key.size(); ++c)
      k.push_back(rows.GetOptional(0, static_cast<int>(c)));
    if (out.empty() || out.back() != k) out.push_back(std::move(k));
  }
  return out;
}

}  // namespace

Status ValidateWorkers(int workers, bool fixed) {
  if (workers < 1 || workers > kMaxWorkers) {
    return InvalidInput(fmt::format(
        "--backfill-workers {}: must be between 1 and {} (sessions walking disjoint key ranges "
        "of each table); pass 2 for a quiet window on a server with spare cores",
        workers, kMaxWorkers));
  }
  if (workers > 1 && fixed) {
    return InvalidInput(fmt::format(
        "--backfill-workers {} cannot be combined with --backfill-batch-size or "
        "--backfill-batch-delay: the fixed schedule is one session's exact pace; drop one of "
        "them",
        workers));
  }
  return Status::Ok();
}

Result<std::vector<BatchCursor>> SplitKeys(pg::Connection& conn, const TableWalk& walk,
                                           const std::string& schema, const std::string& table,
                                           const BatchCursor& after, int ranges,
                                           long long rows_estimate) {
  if (!walk.keyset() || ranges < 2 || rows_estimate < ranges) return std::vector<BatchCursor>();
  ZS_ASSIGN_OR_RETURN(std::vector<BatchCursor> candidates,
                      HistogramKeys(conn, walk, schema, table, after));
  if (candidates.size() < static_cast<size_t>(ranges)) {
    return OffsetKeys(conn, walk, after, ranges, rows_estimate);
  }
  // Candidate j sits near quantile (j + 1) / (M + 1) of the remaining rows;
  // split i wants quantile i / N.
  std::vector<BatchCursor> out;
  long long m = static_cast<long long>(candidates.size());
  for (int i = 1; i < ranges; ++i) {
    long long j = std::clamp(static_cast<long long>(i) * (m + 1) / ranges - 1, 0LL, m - 1);
    if (out.empty() || out.back() != candidates[j]) out.push_back(candidates[j]);
  }
  return out;
}

std::vector<state::BackfillCursor> MakeRanges(const state::BackfillCursor& base,
                                              const std::vector<BatchCursor>& splits) {
  int count = static_cast<int>(splits.size()) + 1;
  long long share =
      base.rows_estimate > 0 ? std::max(0LL, base.rows_estimate - base.rows_done) / count : -1;
  std::vector<state::BackfillCursor> out;
  for (int i = 1; i <= count; ++i) {
    state::BackfillCursor range;
    range.table = state::RangeCursorName(base.table, i, count);
    range.range_start_json =
        i == 1 ? base.last_key_json : std::optional<std::string>(CursorJson(splits[i - 2]));
    if (i < count) range.range_end_json = CursorJson(splits[i - 1]);
    range.last_key_json = range.range_start_json;  // the walk starts after it
    range.rows_done = i == 1 ? base.rows_done : 0;
    range.rows_estimate = share < 0 ? -1 : share + range.rows_done;
    out.push_back(std::move(range));
  }
  return out;
}

namespace {

// What the worker threads share: the queue of ranges, the first error, and
// the events they send, folded into the table's total for the caller.
class WorkerPool {
 public:
  WorkerPool(const Options& options, std::vector<state::BackfillCursor> ranges,
             std::string table_name, long long estimate, int workers)
      : options_(options),
        ranges_(std::move(ranges)),
        table_name_(std::move(table_name)),
        estimate_(estimate),
        workers_(workers) {
    for (const auto& range : ranges_) {
      done_[range.table] = range.rows_done;
      throttled_[range.table] = range.throttled_batches;
      if (!range.finished) todo_.push_back(range.table);
    }
    std::reverse(todo_.begin(), todo_.end());
  }

  // The next unfinished range, or none.
  std::optional<state::BackfillCursor> Next() {
    std::lock_guard lock(mutex_);
    if (todo_.empty() || stop_) return std::nullopt;
    std::string name = todo_.back();
    todo_.pop_back();
    for (const auto& range : ranges_) {
      if (range.table == name) return range;
    }
    return std::nullopt;
  }

  // The first failure wins; the others stop before their next batch.
  void Fail(Status status) {
    std::lock_guard lock(mutex_);
    if (error_) return;
    stop_ = true;
    Progress note;
    note.note =
        fmt::format("{}; stopping the other ranges before their next batch", status.message());
    error_ = std::move(status);
    Forward(EventKind::kNote, note);
  }

  // Around each range's walk: how many workers are walking now.
  void Enter() {
    std::lock_guard lock(mutex_);
    ++active_;
  }
  void Leave() {
    std::lock_guard lock(mutex_);
    --active_;
    // A worker that ends while the others are paused: the rest are all paused.
    if (paused_workers_ > 0 && paused_workers_ == active_ && !pause_reported_) ReportPause({});
  }
  bool stopped() const { return stop_; }
  std::optional<Status> error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }

  // One probe at a time, its sample shared for a target batch's time: N
  // workers probe no more often than one, and pressure seen by one is what
  // every worker sees and yields to (each sleeps and shrinks its batches).
  Result<PressureSample> Probe(const std::function<Result<PressureSample>()>& real) {
    if (options_.probe)
      return options_.probe();  // tests: every call counts, none waits for another
    std::lock_guard lock(probe_mutex_);
    if (last_sample_ && WorkerClock::now() - sampled_at_ < options_.target_batch) {
      return *last_sample_;
    }
    ZS_ASSIGN_OR_RETURN(PressureSample sample, real());
    last_sample_ = sample;
    sampled_at_ = WorkerClock::now();
    return sample;
  }

  // While clients work, one walker runs and the others park (yield_turn.h).
  YieldTurn& turn() { return turn_; }

  void OnEvent(const Event& event) {
    std::lock_guard lock(mutex_);
    std::string range = RangeKey(event.progress.range);
    switch (event.kind) {
      case EventKind::kProgress:
        done_[range] = event.progress.rows_done;
        throttled_[range] = event.progress.throttled_batches;
        ++batches_;
        Forward(EventKind::kProgress, event.progress);
        return;
      // The backfill is paused once every walking worker is (none writes
      // any more), and resumed when the first one goes on.
      case EventKind::kPause:
        if (paused_workers_++ == 0) paused_at_ = WorkerClock::now();
        if (paused_workers_ == active_ && !pause_reported_) ReportPause(event.progress);
        return;
      case EventKind::kResume:
        if (paused_workers_ > 0 && --paused_workers_ == 0) {
          paused_total_ += WorkerClock::now() - paused_at_;
        }
        if (pause_reported_) {
          pause_reported_ = false;
          Forward(EventKind::kResume, event.progress);
        }
        return;
      case EventKind::kThrottle:
        Forward(EventKind::kThrottle, event.progress);
        return;
      case EventKind::kNote:
        if (notes_.insert(event.progress.note).second) Forward(EventKind::kNote, event.progress);
        return;
      // Yielding starts with the first worker that sees clients working and
      // stops when the last yielding one sees none.
      case EventKind::kYield:
        if (event.progress.yielding) {
          yielding_.insert(range);
          if (!yield_reported_) {
            yield_reported_ = true;
            Forward(EventKind::kYield, event.progress);
          }
        } else if (yielding_.erase(range) > 0 && yielding_.empty() && yield_reported_) {
          yield_reported_ = false;
          Forward(EventKind::kYield, event.progress);
        }
        return;
      case EventKind::kDone:  // a finished range yields no more; the table's end says the rest
        yielding_.erase(range);
        return;
      default:  // start, done, interrupt: the pool reports them once, for the table
        return;
    }
  }

  // The table's total, as one walk would report it.
  Progress Total(const Progress& from = {}) const {
    Progress p = from;
    p.table = table_name_;
    p.range.clear();
    p.workers = workers_;
    p.nice_ratio = options_.nice_ratio;
    p.rows_estimate = estimate_;
    p.rows_done = 0;
    p.throttled_batches = 0;
    for (const auto& [name, rows] : done_) p.rows_done += rows;
    for (const auto& [name, count] : throttled_) p.throttled_batches += count;
    p.run_rows = p.rows_done - start_rows_;
    p.batches = batches_;
    WorkerClock::duration pausing =
        paused_workers_ > 0 ? WorkerClock::now() - paused_at_ : WorkerClock::duration{};
    p.elapsed_seconds =
        std::chrono::duration<double>(WorkerClock::now() - started_ - paused_total_ - pausing)
            .count();
    return p;
  }

  // Emits start (rows so far are not this run's) or done, or interrupt.
  void Report(EventKind kind, bool finished = false, std::string interrupted_by = "") {
    std::lock_guard lock(mutex_);
    if (kind == EventKind::kStart) {
      start_rows_ = 0;
      for (const auto& [name, rows] : done_) start_rows_ += rows;
    }
    Progress p = Total();
    p.finished = finished;
    p.interrupted_by = std::move(interrupted_by);
    if (options_.on_event) options_.on_event({.kind = kind, .progress = std::move(p)});
  }

  long long RowsDone() const {
    std::lock_guard lock(mutex_);
    return Total().rows_done;
  }

 private:
  // The range cursor's name from the event's "2/4".
  std::string RangeKey(const std::string& range_number) const {
    std::string suffix = " " + range_number;
    for (const auto& range : ranges_) {
      if (range.table.size() > suffix.size() &&
          range.table.compare(range.table.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return range.table;
      }
    }
    return range_number;
  }

  void ReportPause(const Progress& from) {
    pause_reported_ = true;
    Progress p = from;
    p.paused = true;
    Forward(EventKind::kPause, p);
  }

  void Forward(EventKind kind, const Progress& from) {
    Progress p = Total(from);
    if (kind == EventKind::kProgress && options_.on_progress) options_.on_progress(p);
    if (options_.on_event) options_.on_event({.kind = kind, .progress = std::move(p)});
  }

  const Options& options_;
  const std::vector<state::BackfillCursor> ranges_;
  const std::string table_name_;
  const long long estimate_;
  const int workers_;
  mutable std::mutex mutex_;
  std::vector<std::string> todo_;  // unfinished ranges, the next at the back
  std::atomic<bool> stop_ = false;
  std::optional<Status> error_;
  std::map<std::string, long long> done_;
  std::map<std::string, long long> throttled_;
  std::set<std::string> notes_;
  std::set<std::string> yielding_;  // ranges whose worker yields to clients now
  bool yield_reported_ = false;     // a kYield start forwarded, its stop not yet
  long long start_rows_ = 0;
  long long batches_ = 0;
  int paused_workers_ = 0;
  int active_ = 0;               // workers inside a range's walk
  bool pause_reported_ = false;  // kPause forwarded, kResume not yet
  WorkerClock::time_point started_ = WorkerClock::now();
  WorkerClock::time_point paused_at_{};
  WorkerClock::duration paused_total_{};
  std::mutex probe_mutex_;
  YieldTurn turn_;
  std::optional<PressureSample> last_sample_;
  WorkerClock::time_point sampled_at_{};
};

// "range 2/4 of "public"."users" (keys after ["500"] up to ["1000"])".
std::string DescribeRange(const state::BackfillCursor& range, const std::string& qualified) {
  return fmt::format(
      "range {} of {} (keys after {} up to {})", range.table.substr(range.table.rfind(' ') + 1),
      qualified, range.range_start_json.value_or("the first key"),
      range.range_end_json.value_or("the last key, rows inserted meanwhile included"));
}

}  // namespace

Status Backfiller::RunParallel(const schema::Table& table, const ops::BackfillTask& task,
                               const std::vector<triggers::TriggerSpec>& up,
                               const std::vector<state::BackfillCursor>& saved, int workers,
                               bool by_default) {
  const backend::Backend& db = batches_->backend();
  std::string qualified =
      db.QuoteIdentifier(schema_) + "." + db.QuoteIdentifier(table.physical_name);
  ZS_RETURN_IF_ERROR(ValidateWorkers(workers, !options_.adaptive));
  state::BackfillCursor base;
  base.table = task.table + "." + task.touch_column;
  std::vector<state::BackfillCursor> ranges;
  for (const auto& cursor : saved) {
    if (cursor.table == base.table) base = cursor;
    if (state::IsRangeOf(cursor, base.table)) ranges.push_back(cursor);
  }
  if (ranges.empty()) {
    ZS_ASSIGN_OR_RETURN(base.rows_estimate, batches_->EstimateRows(schema_, table.physical_name));
    // The default parallelism only where it pays: one session walks a
    // small table in well under a second, and opens no connection more.
    if (by_default && base.rows_estimate - base.rows_done < options_.auto_workers_min_rows) {
      return Walk(table, task, up, base);
    }
    ZS_ASSIGN_OR_RETURN(
        KeySplits splits,
        batches_->SplitKeys(schema_, table.physical_name, ParseCursor(base.last_key_json), workers,
                            base.rows_estimate - base.rows_done));
    if (splits.keys.empty()) {
      if (options_.on_event && !by_default) {
        Event note{.kind = EventKind::kNote};
        note.progress.table = table.name;
        note.progress.note =
            fmt::format("{} is walked by one session: {}", qualified,
                        splits.unsplittable.empty() ? "too few rows to split into key ranges"
                                                    : splits.unsplittable);
        options_.on_event(note);
      }
      return Walk(table, task, up, base);
    }
    ranges = MakeRanges(base, splits.keys);
    // The header and every range in one transaction: a crash leaves either
    // the whole-table cursor as it was or all the ranges.
    state::BackfillCursor header = base;
    header.last_key_json.reset();
    header.rows_done = header.run_rows_start = 0;
    ZS_RETURN_IF_ERROR(batches_->Run("BEGIN"));
    Status saved_all = cursors_.SaveCursor(schema_, migration_, header, true);
    for (const auto& range : ranges) {
      if (saved_all.ok()) saved_all = cursors_.SaveCursor(schema_, migration_, range, true);
    }
    if (saved_all.ok()) saved_all = batches_->Run("COMMIT");
    if (!saved_all.ok()) {
      (void)batches_->Run("ROLLBACK");
      return saved_all.WithContext("saving the key ranges of " + qualified);
    }
  }
  long long unfinished = std::count_if(ranges.begin(), ranges.end(),
                                       [](const auto& range) { return !range.finished; });
  int count = static_cast<int>(std::min<long long>(std::max(1, workers), unfinished));
  if (!options_.open_session) {
    return Internal("the parallel backfill of " + qualified + " has no way to open sessions");
  }
  // Every session before any thread: a refusal (pooler, authentication,
  // connection limit) fails the run before a batch is written.
  std::vector<std::unique_ptr<backend::Session>> sessions;
  for (int i = 0; i < count; ++i) {
    auto session = options_.open_session();
    if (!session.ok()) {
      return session.status().WithContext(fmt::format(
          "opening backfill worker session {} of {} for {} (lower --backfill-workers, or raise "
          "the server's max_connections)",
          i + 1, count, qualified));
    }
    sessions.push_back(std::move(*session));
  }
  // The workers are not clients the probe's pacing yields to.
  std::vector<long long> pids;
  for (auto& session : sessions) {
    ZS_ASSIGN_OR_RETURN(long long pid, batches_->SessionId(*session));
    pids.push_back(pid);
  }
  batches_->ExcludeSessions(pids);
  WorkerPool pool(options_, ranges, table.name, base.rows_estimate, count);
  pool.Report(EventKind::kStart);
  auto real_probe = [this, &table]() {
    return batches_->ProbePressure(schema_, table.physical_name, options_.pressure);
  };
  {
    std::vector<std::jthread> threads;  // joined when this scope ends, on every path
    for (auto& session : sessions) {
      threads.emplace_back([&, session = session.get()]() {
        std::unique_ptr<state::StateStore> store = state::OpenStateStore(*session);
        StateCursorStore cursors(*store);
        Options options = options_;
        options.workers = 1;
        options.auto_workers = 0;
        options.nice_walkers = count;
        // While clients work, one walker runs and the others park
        // (yield_turn.h); yield_turn, the per-batch mutex, is not used.
        WithYieldTurn turn(&pool.turn());
        options.on_progress = nullptr;
        options.on_event = [&pool](const Event& event) { pool.OnEvent(event); };
        options.stop_requested = [&pool]() { return pool.stopped(); };
        options.probe = [&pool, &real_probe]() { return pool.Probe(real_probe); };
        Backfiller worker(*session, cursors, schema_, migration_, std::move(options));
        while (std::optional<state::BackfillCursor> range = pool.Next()) {
          pool.Enter();
          Status status = worker.Walk(table, task, up, *range);
          pool.Leave();
          if (!status.ok()) {
            pool.Fail(status.WithContext(DescribeRange(*range, qualified)));
            return;
          }
        }
      });
    }
  }
  batches_->ExcludeSessions({});
  if (int signal = InterruptSignal(); signal != 0) {
    pool.Report(EventKind::kInterrupt, false, SignalName(signal));
    return Conflict(fmt::format(
        "backfill of {} stopped by {} after {} rows in {} key ranges (every batch so far "
        "committed, each range's cursor is saved): run `zeroshift backfill run` (or the same "
        "`zeroshift start`) to resume every range where it stopped, or `zeroshift rollback` to "
        "undo the migration",
        qualified, SignalName(signal), pool.RowsDone(), ranges.size()));
  }
  if (std::optional<Status> error = pool.error()) return *error;
  base.finished = true;
  base.last_key_json.reset();
  base.rows_done = pool.RowsDone();
  ZS_RETURN_IF_ERROR(cursors_.SaveCursor(schema_, migration_, base, false));
  pool.Report(EventKind::kDone, true);
  return Status::Ok();
}

}  // namespace zs::backfill
