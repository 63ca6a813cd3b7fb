// Checks the engine makes before anything runs, shared by plan, validate and
// start (engine.cc, engine_start.cc). Internal to the engine.
#pragma once

#include <optional>
#include <string>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/planner.h"
#include "migration/migration.h"
#include "ops/action.h"
#include "pg/connection.h"
#include "schema/schema.h"

namespace zs::engine {

// An `sql` operation's own statements (ids "sql:<index>:up|down"): what
// they create and drop is the user's explicit instruction, so they are
// neither checked for free names, nor recorded, nor filtered.
bool IsUserSql(const ops::Action& action);

// A migration built in code (convert, the lab, tests) has not been through
// the parser: its names are checked here before they reach SQL or a file.
Status CheckNames(const migration::Migration& migration);

// Refuses, before anything runs, a plan that would create an object whose
// name is taken (SAFETY.md invariant 3), listing every such name. Reached
// through EngineSteps::CheckNamesFree (engine_steps.h). PostgreSQL: every
// object the plan creates; MariaDB: the version database.
Status PostgresCheckNamesFree(backend::Session& session, const std::string& schema,
                              const migration::Migration& migration, const Plan& plan);
Status MariadbCheckVersionDatabaseFree(backend::Session& session,
                                       const migration::Migration& migration, const Plan& plan);

// The plan of what a dry run (nothing executed) can plan: `input`'s
// migration up to and including its first operation that changes the schema
// opaquely (raw SQL); the whole migration when it has none.
Result<Plan> DryRun(const PlanInput& input, const Operations& operations, schema::Schema base);

}  // namespace zs::engine
