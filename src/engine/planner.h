// Turns a migration and the schema it starts from into the ordered Actions of
// start, complete and rollback. Pure: reads nothing, runs nothing, so plans
// print and golden-test as text.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "migration/migration.h"
#include "ops/operation.h"
#include "schema/schema.h"
#include "triggers/dual_write.h"

namespace zs::engine {

struct ExpressionToResolve;  // engine/resolve.h

struct PlanInput {
  const migration::Migration* migration = nullptr;
  std::string version_schema;           // schema this migration's version lives in
  std::string previous_version_schema;  // dropped at complete; "" when there is none
  int server_version_num = 150000;
  // The database the plan is for (never null): the operations' SQL, the
  // dual-write triggers (triggers::DualWriteFor) and the version
  // (versions::VersionSqlFor).
  const backend::Backend* backend = &backend::Postgres();
  // Checks the user's SQL for `backend` (ops::OpContext::checker); null: PostgreSQL's, offline.
  sqlcheck::ExpressionChecker* checker = nullptr;
  // Resolves a trigger expression's names against the server (engine/resolve.h):
  // returns the schema-qualified form, or an error for an untrusted or unknown
  // function. Absent (golden plan tests without a server): expressions stay as written.
  std::function<Result<std::string>(const triggers::TriggerSpec&,
                                    const std::vector<schema::Schema>& snapshots)>
      resolve;
  // Checks who owns what a check, default, generated column or index
  // predicate calls, before any of it runs (engine/resolve.h). Absent: not checked.
  std::function<Status(const ExpressionToResolve&)> check_stored;
  // The user's own BEFORE triggers of each table (by physical name), read
  // from the catalog by the engine: MariaDB's dual write FOLLOWS them.
  // Absent tables have none; PostgreSQL ignores them.
  std::map<std::string, triggers::UserTriggers> user_triggers;
};

struct Plan {
  std::string version_schema;
  // snapshots[i] is the virtual schema before operation i; the last one is
  // the shape of the new version.
  std::vector<schema::Schema> snapshots;
  std::vector<ops::Action> expand;   // start, part 1: each operation's actions, in order
  std::vector<ops::Action> install;  // start, part 2: dual-write triggers, then the version's views
  std::vector<ops::BackfillTask> backfill;
  std::vector<ops::Action> complete;  // in execution order, one transaction each
  std::vector<ops::Action> rollback;  // in execution order, one transaction each
  // Accepted but risky input (see TriggerSpec::warnings); said before start runs.
  std::vector<std::string> warnings;
  // The dual-write triggers' expressions, resolved when PlanInput::resolve is
  // set (engine/round_trip.h checks them on live rows).
  std::vector<triggers::TriggerSpec> trigger_specs;
};

using Operations = std::vector<std::unique_ptr<ops::Operation>>;

Result<Operations> MakeOperations(const migration::Migration& migration);

// Called with each operation, its context and its start actions as soon as
// they are known, when a caller executes them (Engine::Start). Returns the
// schema re-read from the catalog for operations that change it opaquely, else
// std::nullopt.
using RunStart = std::function<Result<std::optional<schema::Schema>>(
    const ops::Operation&, const ops::OpContext&, const std::vector<ops::Action>&)>;

// Validates every operation against the schema the previous ones left and
// builds the plan. With `run`, start actions are executed as they are built.
// Without it, validation stops after the first operation that changes the
// schema opaquely (raw SQL), since what follows may depend on it.
Result<Plan> BuildPlan(const PlanInput& input, const Operations& operations, schema::Schema base,
                       const RunStart& run = nullptr);

// The complete and rollback actions from stored snapshots (after a start).
// An operation whose phase fails adds none: BuildPlan reported the error
// before anything ran.
std::vector<ops::Action> CompleteActions(const PlanInput& input, const Operations& operations,
                                         const std::vector<schema::Schema>& snapshots);
std::vector<ops::Action> RollbackActions(const PlanInput& input, const Operations& operations,
                                         const std::vector<schema::Schema>& snapshots);
std::vector<triggers::TriggerSpec> TriggerSpecs(const PlanInput& input,
                                                const Operations& operations,
                                                const std::vector<schema::Schema>& snapshots);

// The plan as `zeroshift plan` prints it.
std::string FormatPlan(const Plan& plan);

}  // namespace zs::engine
