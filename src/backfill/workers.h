// Parallel backfill (`--backfill-workers N`, keyset walks on PostgreSQL and
// MariaDB): the
// table's key range is cut into N disjoint contiguous ranges, each walked by
// its own session on its own thread, in its own short transactions, with the
// batch loop of backfill.cc (adaptive sizing, throttling, pause/resume/tune,
// interrupts, the range's cursor saved in each batch's transaction).
//
// Ranges: range i holds the keys after split i-1 (exclusive; range 1: after
// the saved cursor, or the table's start) up to split i (inclusive); the last
// range is open-ended, like the single walk, so rows inserted during the
// backfill past the last split are walked too (the dual-write trigger has
// already set them; the batch skips them by the marker). The split keys are
// read from the key's index, never by a full scan (BatchBackend::SplitKeys).
// PostgreSQL: the planner's histogram of the key's first column (pg_stats,
// after ANALYZE), each bound resolved to the first full key at or after it
// by one index probe; without a histogram, ordered offsets over the index
// (OFFSET rows*i/N on the key). MariaDB: ordered offsets on the walked
// index (MariadbSplitKeys; composite keys compared expanded, as
// mariadb_batch.h explains), each range's walk bounded by its end key.
//
// State: one cursor per range ("users.first_name range 2/4", with its bounds
// in range_start/range_end), saved with each of its batches; the table's own
// cursor becomes their header (state::AggregateRanges gives status the
// total). A whole-table cursor saved by an earlier single-session run is
// split from where it stopped (range 1 carries its rows). Once a table has
// ranges, they win: a re-run with another N walks the same ranges, with
// min(N, unfinished ranges) sessions, each taking the next unfinished range.
//
// Not split (one session, with a note): ctid walks (no key: page ranges of a
// heap would need one cursor per heap, not done), tables too small to split.
// MariaDB's default stays one session (no auto_workers there; see
// docs/mariadb.md, "Parallel backfill").
#pragma once

#include <string>
#include <vector>

#include "backfill/batch_backend.h"
#include "backfill/table_walk.h"
#include "core/status.h"
#include "pg/connection.h"
#include "state/state_store.h"

namespace zs::backfill {

// The bound on --backfill-workers: beyond 16 the sessions contend for the
// server's cores and WAL (measured gain stops at the core count, see
// bench/README.md §1), and each worker holds a connection.
inline constexpr int kMaxWorkers = 16;

// The CLI's --backfill-workers when not given (Options::auto_workers). One:
// without clients two sessions reach 0.81-0.82 of the naive UPDATE on 2 cores
// where one reaches 0.40-0.49 (bench/README.md §1), but with clients working,
// two sessions taking turns left their p99 at 2.15-2.71 ms where one paced
// session left it at 0.88-0.99 ms (figure 3, quiet machine, 2026-12-07
// 21:44-21:48 UTC; docs/backfill.md "Pacing, measured"). Tables under
// traffic are the case that matters.
inline constexpr int kDefaultWorkers = 1;
// Tables with fewer rows left are walked by one session under that default
// (Options::auto_workers_min_rows): one session does 500 000 rows in a few
// seconds, and a kill or resume of such a backfill keeps one cursor.
inline constexpr long long kAutoWorkersMinRows = 500000;

// Fails, naming the option and the range, unless 1 <= workers <= kMaxWorkers;
// and with workers > 1, when the fixed schedule (`fixed`: --backfill-batch-size
// or --backfill-batch-delay) was asked for: it is one session's exact pace.
Status ValidateWorkers(int workers, bool fixed);

// PostgreSQL: up to `ranges` - 1 split keys (strictly increasing, each after
// `after`), read from the key's index. Fewer when the table has fewer
// distinct keys.
Result<std::vector<BatchCursor>> SplitKeys(pg::Connection& conn, const TableWalk& walk,
                                           const std::string& schema, const std::string& table,
                                           const BatchCursor& after, int ranges,
                                           long long rows_estimate);

// The range cursors of `base` (its rows so far go to range 1, which starts
// at its saved key) cut at `splits`; each gets an equal share of the estimate.
std::vector<state::BackfillCursor> MakeRanges(const state::BackfillCursor& base,
                                              const std::vector<BatchCursor>& splits);

}  // namespace zs::backfill
