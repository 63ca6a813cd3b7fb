#include "backfill/throttle.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

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

// What the backfill does about a long transaction under `policy`, the
// policy's flag, and the other policies the user can still choose.
std::string LongTransactionAction(LongTransactionPolicy policy) {
  switch (policy) {
    case LongTransactionPolicy::kThrottle:
      return "the backfill sleeps after each batch in proportion to its age "
             "(--backfill-long-xact=throttle); or run the backfill with "
             "--backfill-long-xact=wait, proceed or stop";
    case LongTransactionPolicy::kWait:
      return "the backfill runs no batch until it ends (--backfill-long-xact=wait); or interrupt "
             "the backfill and run it again with --backfill-long-xact=throttle, proceed or stop";
    case LongTransactionPolicy::kProceed:
      return "the backfill goes on at full speed (--backfill-long-xact=proceed), so the rows it "
             "rewrites stay behind as dead versions until it ends; or run the backfill with "
             "--backfill-long-xact=throttle, wait or stop";
    case LongTransactionPolicy::kStop:
      return "the backfill stops for it (--backfill-long-xact=stop); or run the backfill again "
             "with --backfill-long-xact=throttle, wait or proceed";
  }
  return "";
}

std::string LongTransactionReason(const PressureSample& s, const PressureThresholds& t) {
  std::string out =
      fmt::format("{} transaction(s) open longer than {} ms (--backfill-max-xact-age)",
                  s.long_transactions, t.max_xact_age.count());
  if (!s.oldest_transaction) {
    // A sampler that did not name the session: only what the backfill does.
    return out + "; " + LongTransactionAction(t.long_transactions);
  }
  const BlockingSession& b = *s.oldest_transaction;
  return out + fmt::format(
                   ", the oldest in {}: it keeps {} from removing the rows the backfill "
                   "rewrites; end it with {}; {}",
                   b.Describe(), b.holds_back.empty() ? "vacuum" : b.holds_back,
                   b.end_statement.empty() ? fmt::format("SELECT pg_terminate_backend({})", b.pid)
                                           : b.end_statement,
                   LongTransactionAction(t.long_transactions));
}

}  // namespace

std::string PressureReason(const PressureSample& s, const PressureThresholds& t) {
  if (t.lock_waits && s.lock_waiters > 0) {
    return fmt::format(
        "{} session(s) waiting for a lock on the table: the backfill halves its batch and backs "
        "off until none waits, then speeds up again by itself",
        s.lock_waiters);
  }
  if (t.max_xact_age.count() > 0 && s.long_transactions > 0) return LongTransactionReason(s, t);
  // Stopped replication is lag that only grows: the most pressure there is.
  if (t.max_replay_lag.count() > 0 && !s.stopped_replicas.empty()) {
    std::string names;
    for (const auto& name : s.stopped_replicas) names += (names.empty() ? "" : ", ") + name;
    return fmt::format(
        "replication stopped on {} (Seconds_Behind_Master is NULL): its lag is unknown and "
        "growing; the backfill goes at its slowest until replication runs again (START REPLICA "
        "on it), or drop it from the replica URLs",
        names);
  }
  // Named when the probe said which one; else where to look.
  if (t.max_lag_bytes > 0 && s.max_lag_bytes > t.max_lag_bytes) {
    return fmt::format(
        "standby replay lag {} kB > {} kB on {}: the backfill backs off until it catches up; "
        "raise --backfill-max-lag-mb (0: ignore) if it may fall this far behind",
        s.max_lag_bytes / 1024, t.max_lag_bytes / 1024,
        s.lag_bytes_standby.empty() ? "the standby furthest behind (pg_stat_replication names it)"
                                    : s.lag_bytes_standby);
  }
  if (t.max_replay_lag.count() > 0 && s.max_replay_lag_ms > t.max_replay_lag.count()) {
    return fmt::format(
        "standby replay lag {:.0f} ms > {} ms on {}: the backfill backs off until it catches "
        "up; raise --backfill-max-replay-lag (0: ignore) if it may fall this far behind",
        s.max_replay_lag_ms, t.max_replay_lag.count(),
        s.replay_lag_standby.empty()
            ? "the standby or replica furthest behind (pg_stat_replication names it; on "
              "MariaDB, SHOW ALL REPLICAS STATUS on each --replica-url)"
            : s.replay_lag_standby);
  }
  return "";
}

std::string VisibilityNote(const PressureSample& s) {
  if (s.hidden_sessions <= 0 && s.hidden_standbys <= 0) return "";
  std::vector<std::string> unseen;
  if (s.hidden_sessions > 0) {
    unseen.push_back(fmt::format(
        "{} session(s) of other roles in this database (their long transactions do not slow "
        "the backfill down; they count as clients working, so the backfill yields to them "
        "(--backfill-nice-ratio) as long as they are connected, even idle)",
        s.hidden_sessions));
  }
  if (s.hidden_standbys > 0) {
    unseen.push_back(
        fmt::format("the replay position of {} standby(s) (their replication lag does not slow the "
                    "backfill down)",
                    s.hidden_standbys));
  }
  std::string role = s.role.empty() ? "<role>" : s.role;
  return fmt::format(
      "role {} may not read other roles' activity, so the backfill's throttle cannot see {}; "
      "run GRANT pg_read_all_stats TO {} (or pg_monitor) to throttle on them",
      role, unseen.size() == 1 ? unseen[0] : unseen[0] + " nor " + unseen[1], role);
}

long long WorkingClients(const PressureSample& s) { return s.clients_working + s.hidden_sessions; }

bool ShouldYield(const PressureSample& s, double ratio) {
  return ratio > 0 && WorkingClients(s) > 0;
}

std::chrono::milliseconds NiceDelay(double ratio, std::chrono::duration<double> last_batch) {
  double ms = std::max(last_batch.count(), 0.0) * 1000 * std::max(ratio, 0.0);
  return std::chrono::milliseconds(std::llround(ms));
}

std::string YieldReason(const PressureSample& s, double ratio, int walkers) {
  std::string who =
      s.hidden_sessions > 0
          ? fmt::format(
                "{} client session(s) working in this database, {} of them of other "
                "roles whose state this role may not read",
                WorkingClients(s), s.hidden_sessions)
          : fmt::format("{} client session(s) working in this database", WorkingClients(s));
  std::string turns =
      walkers > 1 ? fmt::format(", its {} sessions taking turns", walkers) : std::string();
  return fmt::format(
      "{}: after each batch the backfill sleeps {:.1f} x the batch's time{} "
      "(--backfill-nice-ratio {:g}; 0: full speed)",
      who, ratio, turns, ratio);
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
