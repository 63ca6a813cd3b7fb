// The five figures of `make bench` (issue 4, "Benchmarks"). Each runs on a
// fresh database of the run's one throwaway cluster and returns what it
// measured; a figure that fails keeps what it measured before the failure.
#pragma once

#include "bench/bench_util.h"

namespace zs::bench {

// 1. Backfill rows/s of `zeroshift start` (default options) against one naive
//    UPDATE of the same columns, and against the seed's 500 rows / 100 ms schedule.
FigureResult BackfillSpeed(const Config& config, Databases& databases);
// 2. Backfill rows/s and peak memory at three table sizes, one process per size.
FigureResult Scaling(const Config& config, Databases& databases);
// 3. Foreground p99 latency and errors of an OLTP workload, idle and during the backfill.
FigureResult UnderLoad(const Config& config, Databases& databases);
// 4. Single-row write transactions/s and a bulk UPDATE, without and with the dual-write triggers.
FigureResult TriggerCost(const Config& config, Databases& databases);
// 5. The longest ACCESS EXCLUSIVE lock held or waited for during start and complete.
FigureResult Locks(const Config& config, Databases& databases);
// 6. zeroshift (type change; add-column + backfill) against pt-online-schema-change
//    widening users.visits, each on its own throwaway MariaDB under the lab's clients
//    (`databases` unused): errors, longest request, p99, total time, rows/s.
FigureResult PtOscPeer(const Config& config, Databases& databases);
// 7. pgroll's own backfill benchmark (an alter_column to NOT NULL with `up` on
//    users(id serial, name varchar) of 10 k / 100 k / 300 k rows), like for like.
FigureResult PgrollShape(const Config& config, Databases& databases);

// The child process of one scaling point:
//   zeroshift_bench --child-backfill URL MIGRATION_FILE OUT_JSON
// runs Engine::Start in this fresh process and writes its timings and VmHWM.
int ScalingChild(const std::string& url, const std::string& migration_file,
                 const std::string& out_json);

}  // namespace zs::bench
