// PostgreSQL's side of the backfill seam (batch_backend.h): the walks of
// batch_query.h and table_walk.h (keyset or ctid page ranges), each batch one
// statement in a transaction bounded with SET LOCAL lock_timeout and
// statement_timeout, user triggers kept quiet with session_replication_role,
// the row estimate from pg_class and the probes from pg_locks,
// pg_stat_activity and pg_stat_replication.
//
// Commits. Each batch's transaction runs with SET LOCAL synchronous_commit =
// off, except the walk's last batch, which turns it on again before it
// commits: the batch does not wait for its WAL to be flushed, nor do the
// client commits queued behind that flush (bench/README.md §3 measured it).
// Safe because the cursor is saved in the batch's own transaction
// (batch_backend.h): a crash can lose only a suffix of the WAL, so only the
// last batches, each whole and with its cursor, and the resumed backfill
// redoes them from the cursor that survived. Any durable commit after a lost
// batch is impossible: flushing a later commit record (a client's, the next
// engine step's) flushes every record before it, the batch's included, so a
// client write that saw a batch's rows is never durable without them. The
// last batch commits durably, so a backfill reported done (and the steps
// after it) never rests on a batch a crash could take back.
// (postgres_batch_commit_test.cc makes a crash lose batches and resumes.)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backfill/batch_backend.h"
#include "backfill/throttle.h"
#include "core/status.h"
#include "pg/connection.h"

namespace zs::backfill {

// How the backfill of one table keeps its user triggers quiet.
struct UserTriggerPlan {
  bool replica = false;  // run each batch with session_replication_role = replica
};

// The table's user triggers that a backfill batch would fire (UPDATE, row or
// statement level, enabled, not zeroshift's; `UPDATE OF` ones are never
// fired, as a batch sets only zeroshift's marker column), on the table and its
// partitions. Fails, naming them, when they cannot be kept quiet and
// `fire_user_triggers` is off. Runs no DDL: start calls it before anything.
Result<UserTriggerPlan> PlanUserTriggers(pg::Connection& conn, const std::string& schema,
                                         const std::string& table, bool fire_user_triggers);

// The rows of `relation` (qualified), for progress: the planner's count
// (pg_class.reltuples), summed over partitions; for a heap never vacuumed or
// analysed (reltuples -1), a count of its first rows, extrapolated over its
// size in pages when there are more. -1 when the relation does not exist.
Result<long long> EstimateTableRows(pg::Connection& conn, const std::string& relation);

// One round trip: the pressure the backfill of `qualified_table` should
// yield to. Must run outside the batch transaction (between batches).
// `own_pids`: the backfill's other sessions (parallel workers), which are not
// clients (PressureSample::clients_working); this session never is.
Result<PressureSample> ProbePressure(pg::Connection& conn, const std::string& qualified_table,
                                     const PressureThresholds& thresholds,
                                     const std::vector<long long>& own_pids = {});

// The implementation over `conn`, which must outlive it.
std::unique_ptr<BatchBackend> MakePostgresBatchBackend(pg::Connection& conn);

}  // namespace zs::backfill
