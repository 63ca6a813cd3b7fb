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
  return PressureSample{.lock_waiters = rows.GetInt(0, 0),
                        .long_transactions = rows.GetInt(0, 1),
                        .standbys = rows.GetInt(0, 2),
                        .max_lag_bytes = rows.GetInt(0, 3),
                        .max_replay_lag_ms = std::stod(rows.Get(0, 4))};
}

std::string PressureReason(const PressureSample& s, const PressureThresholds& t) {
  if (t.lock_waits && s.lock_waiters > 0) {
    return fmt::format("{} session(s) waiting for a lock on the table", s.lock_waiters);
  }
  if (t.max_xact_age.count() > 0 && s.long_transactions > 0) {
    return fmt::format("{} transaction(s) open longer than {} ms", s.long_transactions,
                       t.max_xact_age.count());
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

}  // namespace zs::backfill
