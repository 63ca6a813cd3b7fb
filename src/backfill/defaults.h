// The backfill a user gets: what `zeroshift start` (and `backfill run`,
// `migrate`, `fleet start`) runs when no backfill flag is given. The CLI's
// flags take their defaults from it (cli/app.h, BackfillFlags) and the lab
// runs it (lab/scenario_frame.h), so that the lab measures the user's
// backfill and a changed default changes both. backfill::Options' own
// defaults are the library's: the fixed schedule, no pacing, for tests.
#pragma once

#include <nlohmann/json.hpp>

#include "backfill/backfill.h"

namespace zs::backfill {

// Adaptive batches (the first of 1000 rows, each sized to take about 30 ms),
// paced while clients work (nice ratio 2), throttled on lock waiters, long
// transactions and standby lag, one session (workers.h's default where the
// table can be split). No progress callbacks: the caller adds its own.
Options DefaultBackfillOptions();

// The options that decide how the backfill runs, one "name": value each, for
// reports (the lab's setup.backfill) and for comparing two Options (the
// callbacks and the tests' hooks are not in it).
nlohmann::json BackfillOptionsJson(const Options& options);

}  // namespace zs::backfill
