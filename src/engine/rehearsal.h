// Validation that predicts the run (SAFETY.md invariants 4, 8 and 9).
//
// Before anything runs, `validate` and `start` call Rehearse: it refuses a
// column swap whose old column other objects depend on (views, generated
// columns, policies, UPDATE OF triggers, extended statistics, publication
// column lists, publications of all columns), since complete would then fail
// with 2BP01 or drop them; and it rehearses the migration: in ONE transaction
// that is always rolled back, it runs the plan's expand and install actions
// (CONCURRENTLY dropped), fires the dual-write triggers on a sample row of
// each table in both directions (UPDATE, then DELETE + INSERT, through the
// old shape and through the new version's view), then the rollback actions
// (in a savepoint) and the complete actions. The tables the plan touches are
// emptied in that transaction but for their sample row (TRUNCATE is
// transactional and instant), so no statement of the rehearsal scans a big
// table while it holds the ACCESS EXCLUSIVE lock its first DDL takes.
//
// At complete, CheckAddedSinceStart refuses, before any DDL, when objects
// were added since start on a column the migration replaces.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/planner.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"

namespace zs::engine {

// A column replaced by a temporary one (alter_column and the constraint
// operations built on column_swap), by physical names.
struct AlteredColumn {
  std::string table;
  std::string column;
  std::string where;  // "file:line:col alter_column" of the operation
};

// The columns `snapshots` (as BuildPlan makes them) show replaced.
std::vector<AlteredColumn> AlteredColumns(const migration::Migration& migration,
                                          const std::vector<schema::Schema>& snapshots);

// Refuses, listing each with what to do, the objects that depend on an
// altered column and that complete would fail on or lose, and the
// publications that would replicate the temporary columns.
Status CheckDependents(pg::Connection& conn, const std::string& schema,
                       const std::vector<AlteredColumn>& altered,
                       const std::vector<std::string>& ignored_schemas);

// Refuses, listing each, the user's BEFORE INSERT/UPDATE row triggers on
// `tables` (and their partitions) that would fire after zeroshift's
// dual-write trigger (triggers::TableTriggerName): a trigger that normalises
// a column must run before `up` reads it, or the new shape keeps the
// un-normalised value. `where` names the migration in the message.
Status CheckTriggerOrder(pg::Connection& conn, const std::string& schema,
                         const std::vector<std::string>& tables, const std::string& where);

struct RehearsalOptions {
  pg::RetryPolicy retry;  // lock_timeout and the retries of a busy table
  std::function<void(const std::string&)> log;
  // start: a busy table skips the rehearsal at the first lock failure (said
  // in the log), and start goes on under its own lock retries, which name
  // the blockers and clear autovacuum; validate retries, then fails.
  bool skip_when_busy = false;
};

// Dependency checks, then the rehearsal. An error says which statement
// failed, for which operation (file:line), and that nothing was changed.
Status Rehearse(backend::Session& session, const std::string& schema, const PlanInput& input,
                const Operations& operations, const RehearsalOptions& options);

// At complete (before any of its DDL): refuses when indexes, constraints,
// comments or dependent objects were added on an altered column since start,
// with their list; they would be dropped with the old column.
Status CheckAddedSinceStart(backend::Session& session, const std::string& schema,
                            const migration::Migration& migration,
                            const std::vector<schema::Schema>& snapshots,
                            const std::string& previous_version_schema = "");

}  // namespace zs::engine
