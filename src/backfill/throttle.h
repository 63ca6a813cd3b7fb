// How fast a backfill goes: a batch-size controller that aims each batch at a
// target duration, and the pressure probes (lock waits on the table, long
// transactions, standby replication lag) that make it back off. The
// controller is pure logic; only ProbePressure talks to the database.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"
#include "pg/connection.h"

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

// When the database counts as under pressure. A zero threshold disables
// that probe.
struct PressureThresholds {
  bool lock_waits = true;                         // anyone waiting for a lock on the table
  std::chrono::milliseconds max_xact_age{60000};  // other transactions older than this
  long long max_lag_bytes = 64LL << 20;           // WAL not yet replayed by a standby
  std::chrono::milliseconds max_replay_lag{10000};
};

struct PressureSample {
  long long lock_waiters = 0;       // sessions waiting for a lock on the table
  long long long_transactions = 0;  // in this database, excluding us and idle sessions
  long long standbys = 0;           // rows of pg_stat_replication
  long long max_lag_bytes = 0;      // largest current WAL minus standby replay position
  double max_replay_lag_ms = 0;     // largest pg_stat_replication.replay_lag
};

// One round trip: the pressure the backfill of `qualified_table` should
// yield to. Must run outside the batch transaction (between batches).
Result<PressureSample> ProbePressure(pg::Connection& conn, const std::string& qualified_table,
                                     const PressureThresholds& thresholds);

// Why the backfill should back off ("replication lag 80 MB > 64 MB"), or ""
// when every probe is under its threshold.
std::string PressureReason(const PressureSample& sample, const PressureThresholds& thresholds);

}  // namespace zs::backfill
