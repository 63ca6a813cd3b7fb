// The PostgreSQL lab's sampler probe (lock_sampler.h): one prepared query per
// sample over pg_stat_activity, pg_stat_progress_vacuum and the checkpointer's
// counters, on a connection of its own (application_name
// kSamplerApplicationName, never counted).
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "lab/lock_sampler.h"

namespace zs::lab {

inline constexpr const char* kSamplerApplicationName = "zeroshift-lab-sampler";

// Opens the probe's connection to `url` (the lab's database). Each call of
// the probe: the workload's clients waiting for a lock (application_name
// kClientApplicationName, wait_event_type 'Lock') and what the server does
// besides idling: each non-idle session of the database by who it is (a
// client, zeroshift's own sessions, an autovacuum worker, the checkpointer,
// the WAL writer, ...) and its wait event, each vacuum in progress on the
// database with its phase, and "checkpoint running" while the checkpointer
// works or its counters moved since the previous sample.
Result<std::function<Result<LockProbe>()>> OpenPostgresServerProbe(const std::string& url);

}  // namespace zs::lab
