// Which PostgreSQL standby the throttle's lag figures are of. ProbePressure
// (postgres_batch.h) reads only the largest lag of all standbys, in one round
// trip between batches; when a figure is over its threshold, this second
// round trip names the standby it was read on, so the throttle's reason says
// where to look (PressureSample::lag_bytes_standby, replay_lag_standby).
#pragma once

#include "backfill/throttle.h"
#include "core/status.h"
#include "pg/connection.h"

namespace zs::backfill {

// Names the standbys behind `sample`'s byte lag and replay lag, each as
// `standby "<application_name>" (connected from <client_addr>:<client_port>)`
// (pg_stat_replication holds no URL, so no password), when that figure is
// over its threshold in `thresholds`; otherwise leaves the sample as it is
// and runs nothing.
Status NamePostgresLaggingStandbys(pg::Connection& conn, const PressureThresholds& thresholds,
                                   PressureSample& sample);

}  // namespace zs::backfill
