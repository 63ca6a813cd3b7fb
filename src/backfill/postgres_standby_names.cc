#include "backfill/postgres_standby_names.h"

namespace zs::backfill {

namespace {

// The standby furthest behind by bytes and by time, each "" when none
// reports a position (a role without pg_read_all_stats reads them as NULL).
// application_name holds printable ASCII only (PostgreSQL replaces the
// rest with '?'); a standby on a Unix socket has no client_addr.
constexpr char kPostgresLaggingStandbysQuery[] = R"sql(
WITH s AS (
  SELECT format('standby "%s" (connected from %s)', application_name,
                CASE WHEN client_addr IS NULL THEN 'a Unix socket'
                     ELSE host(client_addr) || ':' || client_port END) AS name,
         pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes, replay_lag
  FROM pg_stat_replication)
SELECT coalesce((SELECT name FROM s WHERE bytes IS NOT NULL ORDER BY bytes DESC LIMIT 1), ''),
       coalesce((SELECT name FROM s WHERE replay_lag IS NOT NULL
                 ORDER BY replay_lag DESC LIMIT 1), ''))sql";

}  // namespace

Status NamePostgresLaggingStandbys(pg::Connection& conn, const PressureThresholds& thresholds,
                                   PressureSample& sample) {
  bool bytes_over = thresholds.max_lag_bytes > 0 && sample.max_lag_bytes > thresholds.max_lag_bytes;
  bool replay_over = thresholds.max_replay_lag.count() > 0 &&
                     sample.max_replay_lag_ms > thresholds.max_replay_lag.count();
  // A second round trip only under pressure, as for the oldest transaction.
  if (!bytes_over && !replay_over) return Status::Ok();
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec(kPostgresLaggingStandbysQuery));
  if (bytes_over) sample.lag_bytes_standby = rows.Get(0, 0);
  if (replay_over) sample.replay_lag_standby = rows.Get(0, 1);
  return Status::Ok();
}

}  // namespace zs::backfill
