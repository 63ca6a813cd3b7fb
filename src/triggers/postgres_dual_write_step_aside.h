// How the dual-write trigger on PostgreSQL steps aside for the backfill's own
// batches (postgres_dual_write.h has the trigger; the backfill's side is
// backfill/postgres_step_aside.h).
//
// The replica-mode trigger's WHEN (FiresCondition) lets it fire for every
// replica-mode write except the backfill's batches, which compute `up` in
// their UPDATE and so need no PL/pgSQL per row; ordinary sessions fire the
// other trigger, which has no WHEN (postgres_dual_write_origin.h). A batch
// steps the trigger aside by running, in its transaction, with
// session_replication_role = replica (SET LOCAL) and
// StepAsideSql: kBackfillSetting set LOCAL to the transaction's own id.
//
// What a client can forge: with the setting alone, nothing (any role may set
// a custom setting, but without replica mode the ordinary trigger fires);
// with both, only a role that may set session_replication_role (a superuser, or one
// granted SET on it), which may already silence every ordinary trigger and
// foreign-key check of the table. The transaction id ties the setting to the
// one transaction that set it, so a value left in ALTER ROLE/DATABASE SET or
// a session-level SET, or replica-mode sessions such as logical replication's
// apply workers, never make the trigger step aside.
#pragma once

#include <string>

#include "triggers/trigger_spec.h"

namespace zs::triggers {

inline constexpr const char* kBackfillSetting = "zeroshift.backfill";

// The trigger's WHEN condition (without the parentheses).
std::string FiresCondition();

// The statement that steps the trigger aside for the rest of the current
// transaction (replica mode must be set too).
std::string StepAsideSql();

// The statement of the trigger function that assigns `spec`'s expression
// ("NEW.<target> := <expression>;"): the backfill finds it in the installed
// function before computing the same expression itself.
std::string AssignmentStatement(const TriggerSpec& spec);

}  // namespace zs::triggers
