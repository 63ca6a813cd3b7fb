// The PostgreSQL backfill's fast path: each batch computes `up` in its own
// UPDATE, and the dual-write trigger steps aside for the batch's transaction
// (triggers::FiresCondition), so no PL/pgSQL runs per backfilled row. Client
// writes still run the trigger.
//
// Taken only where the result is the trigger's, row for row; otherwise the
// batch sets the marker alone and the trigger computes `up` as before
// (StepAsidePlan::refusal says why, for the progress line). Conditions:
//   - the table's `up` specs can be one sub-SELECT over the old row: each
//     variable bound to one column, no expression reading another's target
//     (the trigger runs them in order, an UPDATE's SET reads the old row);
//   - the installed trigger has the WHEN of this version and its function
//     assigns exactly these expressions (a migration started by an older
//     zeroshift, or specs that drifted, keep the trigger);
//   - the role may set session_replication_role (what the WHEN requires);
//   - in replica mode nothing else would change: no user trigger enabled
//     ALWAYS or REPLICA on UPDATE (it would fire for the batch's own SET, and
//     see `up` already computed), no opt-in to fire the user's triggers, no
//     foreign key over a target column (replica mode skips its check);
//   - PostgreSQL accepts the statement (EXPLAIN): an expression whose type
//     has no assignment cast to the column, which PL/pgSQL converts through
//     text, keeps the trigger.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"
#include "triggers/trigger_spec.h"

namespace zs::backfill {

// The `up` specs of schema.table among `specs`, in operation order.
std::vector<triggers::TriggerSpec> UpSpecsOf(const std::vector<triggers::TriggerSpec>& specs,
                                             const std::string& schema, const std::string& table);

// The SET item that computes `up` for the row `alias` as the trigger would:
//   ("a", "b") = (SELECT (e1), (e2) FROM (SELECT alias."col" AS "var", ...) AS zs_row)
// The sub-SELECT binds each variable to its column, as the trigger's DECLARE
// does, under the label the trigger gives them (zs_row). Fails, saying why,
// when the specs cannot be one statement (see the header comment).
Result<std::string> UpSetItem(const std::vector<triggers::TriggerSpec>& up,
                              const std::string& alias);

// UpSetItem without the sub-SELECT when every variable is named as its
// column: `("a", "b") = ((e1), (e2))`, the expressions reading alias's
// columns directly, as the trigger's variables would (alias must be
// kRowAlias, the label `zs_row.<column>` in a resolved expression refers to).
// The sub-SELECT cost about 5 % more server CPU per row (300 k rows, the
// split-name migration); a renamed column keeps it.
Result<std::string> DirectUpSetItem(const std::vector<triggers::TriggerSpec>& up,
                                    const std::string& alias);

struct StepAsidePlan {
  bool step_aside = false;
  std::string refusal;  // why not, when !step_aside
};

// Checks the catalog conditions of the header comment for schema.table (not
// the EXPLAIN, which needs the batch statement). `user_triggers_fire`: the
// user opted in to firing the table's own triggers (BatchBounds).
Result<StepAsidePlan> PlanStepAside(pg::Connection& conn, const std::string& schema,
                                    const std::string& table,
                                    const std::vector<triggers::TriggerSpec>& up,
                                    bool user_triggers_fire);

// Whether PostgreSQL plans `sql` (a batch statement without parameters):
// EXPLAIN in a transaction that is rolled back. The error's message, or "".
Result<std::string> PlanError(pg::Connection& conn, const std::string& sql);

}  // namespace zs::backfill
