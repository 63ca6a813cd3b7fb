#include "backfill/throttle.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace zs::backfill {

BatchSizeController::BatchSizeController(ControllerLimits limits) : limits_(limits) {
  limits_.min_rows = std::max(1LL, limits_.min_rows);
  limits_.max_rows = std::max(limits_.min_rows, limits_.max_rows);
  rows_ = Clamp(static_cast<double>(limits_.initial_rows));
}

long long BatchSizeController::Clamp(double rows) const {
  double bounded = std::clamp(rows, static_cast<double>(limits_.min_rows),
                              static_cast<double>(limits_.max_rows));
  return static_cast<long long>(std::llround(bounded));
}

void BatchSizeController::SetTarget(std::chrono::milliseconds target) {
  limits_.target = std::max(target, std::chrono::milliseconds(1));
}

void BatchSizeController::Observe(long long rows, std::chrono::duration<double> elapsed) {
  if (rows <= 0) return;
  double seconds = std::max(elapsed.count(), 1e-4);
  double ideal = static_cast<double>(rows) * (limits_.target.count() / 1000.0) / seconds;
  double ratio = std::clamp(ideal / static_cast<double>(rows_), 0.25, 4.0);
  double step = ratio >= 1 ? std::sqrt(ratio) : ratio;
  rows_ = Clamp(static_cast<double>(rows_) * step);
}

std::chrono::milliseconds BatchSizeController::OnPressure() {
  rows_ = Clamp(static_cast<double>(rows_) / 2);
  ++consecutive_pressure_;
  long long delay = limits_.initial_backoff.count();
  for (int i = 1; i < consecutive_pressure_ && delay < limits_.max_backoff.count(); ++i) {
    delay *= 2;
  }
  return std::min(std::chrono::milliseconds(delay), limits_.max_backoff);
}

std::string_view PolicyName(LongTransactionPolicy policy) {
  switch (policy) {
    case LongTransactionPolicy::kThrottle:
      return "throttle";
    case LongTransactionPolicy::kWait:
      return "wait";
    case LongTransactionPolicy::kProceed:
      return "proceed";
    case LongTransactionPolicy::kStop:
      return "stop";
  }
  return "throttle";
}

Result<LongTransactionPolicy> ParseLongTransactionPolicy(std::string_view name) {
  for (LongTransactionPolicy policy :
       {LongTransactionPolicy::kThrottle, LongTransactionPolicy::kWait,
        LongTransactionPolicy::kProceed, LongTransactionPolicy::kStop}) {
    if (PolicyName(policy) == name) return policy;
  }
  return InvalidInput(fmt::format(
      "unknown long-transaction policy \"{}\"; use throttle, wait, proceed or stop", name));
}

std::string BlockingSession::Describe() const {
  std::string out = fmt::format("pid {} (user {}, application \"{}\", {}, {} for {:.0f} s", pid,
                                user.empty() ? "?" : user, application_name,
                                client.empty() ? "local" : client, state, xact_age_ms / 1000);
  if (!query.empty()) out += ", last query: " + query;
  return out + ")";
}

namespace {

// The oldest long transaction's session, for the message that names it: the
// sessions ProbePressure counts, oldest first.
Result<std::optional<BlockingSession>> OldestTransaction(pg::Connection& conn,
                                                         const PressureThresholds& thresholds) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(
          std::string("SELECT pid, coalesce(usename::text, ''), coalesce(application_name, ''), "
                      "coalesce(host(client_addr), 'local'), coalesce(state, ''), "
                      "(extract(epoch FROM now() - xact_start) * 1000)::float8, "
                      "left(regexp_replace(coalesce(query, ''), '\\s+', ' ', 'g'), 100) "
                      "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                      "AND datname = current_database() AND backend_type = 'client backend' "
                      "AND state <> 'idle' AND $1::bigint > 0 "
                      "AND xact_start < now() - $1::bigint * interval '1 millisecond' "
                      "ORDER BY xact_start LIMIT 1"),
          {std::to_string(thresholds.max_xact_age.count())}));
  if (rows.empty()) return std::optional<BlockingSession>();
  return std::optional<BlockingSession>(BlockingSession{.pid = rows.GetInt(0, 0),
                                                        .user = rows.Get(0, 1),
                                                        .application_name = rows.Get(0, 2),
                                                        .client = rows.Get(0, 3),
                                                        .state = rows.Get(0, 4),
                                                        .xact_age_ms = std::stod(rows.Get(0, 5)),
                                                        .query = rows.Get(0, 6)});
}

}  // namespace

Result<PressureSample> ProbePressure(pg::Connection& conn, const std::string& qualified_table,
                                     const PressureThresholds& thresholds) {
  // Each part is cheap: pg_locks filtered on one relation, pg_stat_activity
  // of one database, pg_stat_replication (a handful of rows).
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(
          "SELECT "
          "(SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass($1)), "
          "(SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
          "   AND datname = current_database() AND backend_type = 'client backend' "
          "   AND state <> 'idle' AND $2::bigint > 0 "
          "   AND xact_start < now() - $2::bigint * interval '1 millisecond'), "
          "(SELECT count(*) FROM pg_stat_replication), "
          "(SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint "
          "   FROM pg_stat_replication), "
          "(SELECT coalesce(max(extract(epoch FROM replay_lag)) * 1000, 0)::float8 "
          "   FROM pg_stat_replication)",
          {qualified_table, std::to_string(thresholds.max_xact_age.count())}));
  PressureSample sample{.lock_waiters = rows.GetInt(0, 0),
                        .long_transactions = rows.GetInt(0, 1),
                        .standbys = rows.GetInt(0, 2),
                        .max_lag_bytes = rows.GetInt(0, 3),
                        .max_replay_lag_ms = std::stod(rows.Get(0, 4))};
  // A second round trip only under pressure: the user needs to know whom to end.
  if (sample.long_transactions > 0) {
    ZS_ASSIGN_OR_RETURN(sample.oldest_transaction, OldestTransaction(conn, thresholds));
  }
  return sample;
}

std::string PressureReason(const PressureSample& s, const PressureThresholds& t) {
  if (t.lock_waits && s.lock_waiters > 0) {
    return fmt::format("{} session(s) waiting for a lock on the table", s.lock_waiters);
  }
  if (t.max_xact_age.count() > 0 && s.long_transactions > 0) {
    std::string out = fmt::format("{} transaction(s) open longer than {} ms", s.long_transactions,
                                  t.max_xact_age.count());
    if (s.oldest_transaction) {
      const BlockingSession& b = *s.oldest_transaction;
      out += fmt::format(
          ", the oldest in {}: it keeps vacuum from removing the rows the backfill rewrites "
          "({}); end it with SELECT pg_terminate_backend({}), or run the backfill with "
          "--backfill-long-xact=wait, proceed or stop",
          b.Describe(), PolicyName(t.long_transactions), b.pid);
    }
    return out;
  }
  if (t.max_lag_bytes > 0 && s.max_lag_bytes > t.max_lag_bytes) {
    return fmt::format("standby replay lag {} kB > {} kB", s.max_lag_bytes / 1024,
                       t.max_lag_bytes / 1024);
  }
  if (t.max_replay_lag.count() > 0 && s.max_replay_lag_ms > t.max_replay_lag.count()) {
    return fmt::format("standby replay lag {:.0f} ms > {} ms", s.max_replay_lag_ms,
                       t.max_replay_lag.count());
  }
  return "";
}

std::chrono::milliseconds LongTransactionDelay(std::chrono::duration<double> last_batch,
                                               double xact_age_ms,
                                               std::chrono::milliseconds max_xact_age,
                                               std::chrono::milliseconds cap) {
  if (max_xact_age.count() <= 0) return std::chrono::milliseconds(0);
  double factor = std::clamp(xact_age_ms / static_cast<double>(max_xact_age.count()), 1.0, 4.0);
  double ms = std::max(last_batch.count(), 0.0) * 1000 * factor;
  return std::min(std::chrono::milliseconds(std::llround(ms)), cap);
}

ThrottleStep DecideThrottle(const PressureSample& sample, const PressureThresholds& thresholds,
                            std::chrono::duration<double> last_batch,
                            BatchSizeController& controller, std::chrono::milliseconds wait_poll) {
  ThrottleStep step;
  step.reason = PressureReason(sample, thresholds);
  if (step.reason.empty()) return step;
  PressureSample others = sample;
  others.long_transactions = 0;
  others.oldest_transaction.reset();
  bool long_transaction = thresholds.max_xact_age.count() > 0 && sample.long_transactions > 0;
  if (!long_transaction || !PressureReason(others, thresholds).empty()) {
    step.sleep = controller.OnPressure();
    return step;
  }
  switch (thresholds.long_transactions) {
    case LongTransactionPolicy::kProceed:
      break;
    case LongTransactionPolicy::kStop:
      step.action = ThrottleStep::Action::kStop;
      break;
    case LongTransactionPolicy::kWait:
      step.action = ThrottleStep::Action::kWaitAndProbe;
      step.sleep = wait_poll;
      break;
    case LongTransactionPolicy::kThrottle: {
      // Without the session's age (a sampler that did not name it) assume
      // just past the threshold.
      double age = sample.oldest_transaction ? sample.oldest_transaction->xact_age_ms
                                             : static_cast<double>(thresholds.max_xact_age.count());
      step.sleep = LongTransactionDelay(last_batch, age, thresholds.max_xact_age,
                                        controller.limits().max_backoff);
      break;
    }
  }
  return step;
}

}  // namespace zs::backfill
