// How fast a backfill goes: a batch-size controller that aims each batch at a
// target duration, and the pressure probes (lock waits on the table, long
// transactions, standby replication lag) that make it back off. The
// controller and the decisions are pure logic; the probes that fill a
// PressureSample are each database's (BatchBackend::ProbePressure).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace zs::backfill {

struct ControllerLimits {
  long long initial_rows = 1000;
  long long min_rows = 100;
  long long max_rows = 100000;
  std::chrono::milliseconds target{100};  // wanted duration of one batch transaction
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

// Multiplicative, damped: after each batch the size moves towards
// target / (time per row), by at most x2 up and /4 down per batch, and only
// half-way (square root of the ratio) when growing, so one fast batch (cache
// hits) cannot double it straight into a slow one. Shrinking is undamped:
// a batch far over target must be corrected at once.
class BatchSizeController {
 public:
  explicit BatchSizeController(ControllerLimits limits);

  long long batch_rows() const { return rows_; }
  const ControllerLimits& limits() const { return limits_; }

  // Retuning while running (zeroshift backfill tune). Keeps the current size
  // within the new bounds.
  void SetTarget(std::chrono::milliseconds target);

  // Feeds one finished batch: `rows` touched in `elapsed`. Batches that
  // touched nothing (the end of the table) teach nothing and are ignored.
  void Observe(long long rows, std::chrono::duration<double> elapsed);

  // The database is under pressure: halves the batch (not below min_rows) and
  // returns how long to sleep before the next batch: initial_backoff, doubled
  // for each consecutive pressured batch, capped at max_backoff.
  std::chrono::milliseconds OnPressure();
  // Pressure is gone: the next episode starts again from initial_backoff.
  void OnCalm() { consecutive_pressure_ = 0; }

 private:
  long long Clamp(double rows) const;

  ControllerLimits limits_;
  long long rows_;
  int consecutive_pressure_ = 0;
};

// What the backfill does while another transaction has been open longer than
// --backfill-max-xact-age (it holds back vacuum, so every row the backfill
// rewrites stays as a dead version until it ends):
enum class LongTransactionPolicy {
  kThrottle,  // go on, sleeping in proportion to the batches' time and the transaction's age
  kWait,      // run no batch until it ends (polling)
  kProceed,   // full speed; only report it
  kStop,      // stop with an error naming it; the cursor is saved, a re-run resumes
};
// "throttle", "wait", "proceed", "stop".
std::string_view PolicyName(LongTransactionPolicy policy);
Result<LongTransactionPolicy> ParseLongTransactionPolicy(std::string_view name);

// When the database counts as under pressure. A zero threshold disables
// that probe.
struct PressureThresholds {
  bool lock_waits = true;                         // anyone waiting for a lock on the table
  std::chrono::milliseconds max_xact_age{60000};  // other transactions older than this
  long long max_lag_bytes = 64LL << 20;           // WAL not yet replayed by a standby
  std::chrono::milliseconds max_replay_lag{10000};
  LongTransactionPolicy long_transactions = LongTransactionPolicy::kThrottle;
};

// The oldest of the long transactions: the session to end (pg_terminate_backend,
// KILL) or to wait for.
struct BlockingSession {
  long long pid = 0;  // PostgreSQL: the backend's pid; MariaDB: the PROCESSLIST id
  std::string user;
  std::string application_name;
  std::string client;  // client_addr, or "local"
  std::string state;   // "idle in transaction", "active", ...
  double xact_age_ms = 0;
  std::string query;  // its latest statement, shortened
  // The statement that ends it; "" means PostgreSQL's
  // `SELECT pg_terminate_backend(<pid>)`.
  std::string end_statement;
  // What it keeps from cleaning up the rows the backfill rewrites; "" means
  // PostgreSQL's "vacuum".
  std::string holds_back;

  // "pid 4242 (user app, application \"psql\", local, idle in transaction for 75 s, last
  // query: SELECT 1)"
  std::string Describe() const;
};

struct PressureSample {
  long long lock_waiters = 0;       // sessions waiting for a lock on the table
  long long long_transactions = 0;  // in this database, excluding us and idle sessions
  long long standbys = 0;           // rows of pg_stat_replication
  long long max_lag_bytes = 0;      // largest current WAL minus standby replay position
  double max_replay_lag_ms = 0;     // largest pg_stat_replication.replay_lag
  // Which standby or replica each figure above was measured on, so the
  // throttle's reason can name where to look: MariaDB, "replica host:port"
  // (or "replica at socket PATH"), never the URL's password; PostgreSQL,
  // `standby "<application_name>" (connected from host:port)`. "" when not
  // known (no standby, or the probe names them only under pressure).
  std::string lag_bytes_standby;   // the one max_lag_bytes is of
  std::string replay_lag_standby;  // the one max_replay_lag_ms is of
  // Replicas whose replication is stopped, so their lag is unknown and grows
  // (MariaDB: Seconds_Behind_Master NULL), "host:port (connection name)" each.
  std::vector<std::string> stopped_replicas;
  std::optional<BlockingSession> oldest_transaction;  // set when long_transactions > 0
  // What the probes could not see (PostgreSQL, a role without
  // pg_read_all_stats): other roles' sessions in this database, whose state and
  // transaction start read as NULL (query "<insufficient privilege>"), and
  // standbys whose positions read as NULL. Both count as calm.
  long long hidden_sessions = 0;
  long long hidden_standbys = 0;
  // Client sessions of this database working now or within the last second
  // (state 'active', or its state changed less than 1 s ago), none of them the
  // backfill's own (the prober and every worker session); walsenders,
  // autovacuum and parallel workers are not clients. Hidden sessions are not
  // in it: WorkingClients() adds them. MariaDB: 0 (not probed yet).
  long long clients_working = 0;
  std::string role;  // the role the probes ran as ("" when the probe does not say)
};

// The client sessions the backfill yields to (--backfill-nice-ratio): the
// working ones, and every hidden one, whose state the probe cannot read (the
// safe side: an application's sessions under another role are not ignored).
long long WorkingClients(const PressureSample& sample);

// Whether the batches yield to clients (gh-ost's nice-ratio): some work, and
// the ratio is not 0 (disabled).
bool ShouldYield(const PressureSample& sample, double ratio);

// The pause after a batch that took `last_batch` while yielding: ratio x
// its duration (ratio 1: the clients get about half of the backfill's time).
// With N workers, one of them runs (batch and pause) while the others park
// (yield_turn.h), so that together they yield as one session does.
std::chrono::milliseconds NiceDelay(double ratio, std::chrono::duration<double> last_batch);

// Why the backfill yields, for the event that says it starts: "3 client
// session(s) working in this database: after each batch the backfill sleeps
// 1.0 x the batch's time (--backfill-nice-ratio 1; 0: full speed)";
// `walkers` > 1: "..., its 2 sessions taking turns".
std::string YieldReason(const PressureSample& sample, double ratio, int walkers);

// The note, printed once per backfill, when the probes could not see other
// roles' activity: what is not throttled because of it and the grant that
// fixes it; "" when they saw everything.
std::string VisibilityNote(const PressureSample& sample);

// Why the backfill should back off ("replication lag 80 MB > 64 MB"), or ""
// when every probe is under its threshold. A long transaction is named by its
// session, with what the user can do about it.
std::string PressureReason(const PressureSample& sample, const PressureThresholds& thresholds);

// What to do before the next batch, from one pressure sample.
struct ThrottleStep {
  enum class Action {
    kGo,            // run the next batch (after `sleep`, if any)
    kWaitAndProbe,  // sleep, then probe again without running a batch
    kStop,          // end the backfill with `reason`
  };
  Action action = Action::kGo;
  std::chrono::milliseconds sleep{0};
  std::string reason;  // "" when calm
};

// Lock waits and standby lag: the batch halves and the sleep backs off
// (BatchSizeController::OnPressure). A long transaction alone slows nothing
// down that a smaller batch or a longer sleep would help, so it follows
// thresholds.long_transactions; kThrottle sleeps LongTransactionDelay().
// `last_batch` is how long the previous batch took. `wait_poll` is the
// sleep between probes while waiting.
ThrottleStep DecideThrottle(const PressureSample& sample, const PressureThresholds& thresholds,
                            std::chrono::duration<double> last_batch,
                            BatchSizeController& controller,
                            std::chrono::milliseconds wait_poll = std::chrono::seconds(1));

// Proportional throttling: after a batch that took `last_batch`, sleep
// last_batch x (age / max_age), the factor capped at 4, the sleep at `cap`.
// A transaction just past the threshold halves the speed, one four times as
// old leaves a fifth of it: 10 M rows take minutes longer, not a day.
std::chrono::milliseconds LongTransactionDelay(std::chrono::duration<double> last_batch,
                                               double xact_age_ms,
                                               std::chrono::milliseconds max_xact_age,
                                               std::chrono::milliseconds cap);

}  // namespace zs::backfill
