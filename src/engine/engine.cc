// The engine's core: connecting, the lock, planning and validating, and
// running actions (recorded for complete and rollback). The commands are in
// engine_start.cc, engine_complete.cc, engine_history.cc, engine_status.cc
// and engine_verify.cc.
#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/baseline_version.h"
#include "engine/engine_checks.h"
#include "engine/engine_steps.h"
#include "engine/resolve.h"
#include "engine/round_trip.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "sqlcheck/checker.h"
#include "state/load_migration.h"
#include "versions/version_schema.h"

namespace zs::engine {

Engine::Engine(std::unique_ptr<backend::Session> session, Options options)
    : session_(std::move(session)),
      steps_(&EngineStepsFor(session_->backend())),
      options_(std::move(options)),
      state_(state::OpenStateStore(*session_)),
      runner_(ddl::MakeRunner(*session_, options_.retry)),
      checker_(sqlcheck::ExpressionCheckerFor(*session_)) {
  // Captures copies, never `this`: Engine is returned by value and moved, so
  // a captured `this` would dangle by the time a lock wait is retried.
  runner_->OnRetry([log = options_.log, max_attempts = options_.retry.max_attempts](
                       int attempt, std::chrono::milliseconds delay, const Status& error) {
    if (!log) return;
    log(fmt::format("    lock not available (attempt {}/{}): {}; retrying in {} ms", attempt,
                    max_attempts, error.message(), delay.count()));
  });
  runner_->OnNotice([log = options_.log](const std::string& notice) {
    if (log) log("    " + notice);
  });
}

Result<Engine> Engine::Connect(const std::string& conninfo, Options options) {
  ZS_ASSIGN_OR_RETURN(const backend::Backend* backend, backend::SelectBackend(conninfo));
  const EngineSteps& steps = EngineStepsFor(*backend);
  ZS_ASSIGN_OR_RETURN(options.schema, steps.SchemaFor(conninfo, options.schema));
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<backend::Session> session,
                      steps.Open(*backend, conninfo, options));
  // A parallel backfill's workers (backfill/workers.h) open their sessions
  // as this one was opened.
  if (!options.backfill.open_session) {
    Options opener = options;
    opener.backfill = {};
    options.backfill.open_session = [backend, &steps, conninfo, opener]() {
      return steps.Open(*backend, conninfo, opener);
    };
  }
  return Engine(std::move(session), std::move(options));
}

Result<Engine::Target> Engine::TargetOf(const std::string& conninfo, const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(const backend::Backend* backend, backend::SelectBackend(conninfo));
  ZS_ASSIGN_OR_RETURN(std::string settled, EngineStepsFor(*backend).SchemaFor(conninfo, schema));
  return Target{.backend = backend, .schema = std::move(settled)};
}

void Engine::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void Engine::EnterPhase(std::string_view phase) const {
  if (options_.on_phase) options_.on_phase(phase);
}

Status Engine::Init() {
  ZS_RETURN_IF_ERROR(state_->Init());
  Log("initialised schema \"zeroshift\"");
  return Status::Ok();
}

Status Engine::Lock() {
  ZS_RETURN_IF_ERROR(state_->RequireInitialized());
  ZS_RETURN_IF_ERROR(state_->AcquireSchemaLock(options_.schema));
  return state_->Upgrade();
}

Result<PlanInput> Engine::MakePlanInput(const migration::Migration& migration) {
  PlanInput input{.migration = &migration,
                  .version_schema = versions::VersionSqlFor(backend()).VersionName(
                      options_.schema, migration.name, migration.version_schema),
                  .backend = &backend()};
  // The backend's checker of user SQL (sqlcheck/checker.h) and resolvers of
  // the names an expression uses (engine/resolve.h), on either database.
  input.checker = checker_.get();
  Resolvers resolvers = MakeResolvers(*session_, options_.schema);
  input.resolve = std::move(resolvers.resolve);
  input.check_stored = std::move(resolvers.check_stored);
  ZS_RETURN_IF_ERROR(steps_->FillServerFacts(*this, input));
  ZS_ASSIGN_OR_RETURN(input.previous_version_schema,
                      PreviousVersionSchema(*session_, options_.schema, migration.name));
  if (!input.previous_version_schema.empty() &&
      input.previous_version_schema == input.version_schema) {
    return Conflict(fmt::format(
        "migration \"{}\" would create version schema \"{}\", which is the version old clients "
        "use; set another `version_schema` in the migration file",
        migration.name, input.version_schema));
  }
  return input;
}

Status Engine::CheckTypesExist(const migration::Migration& migration,
                               const Operations& operations) {
  for (size_t i = 0; i < operations.size(); ++i) {
    const auto& op = migration.operations[i];
    for (const auto& type : operations[i]->TypesUsed()) {
      ZS_RETURN_IF_ERROR(
          steps_->CheckType(*this, type, fmt::format("{} {}", op.location.ToString(), op.kind)));
    }
  }
  return Status::Ok();
}

Result<Plan> Engine::PlanMigration(const migration::Migration& migration) {
  ZS_ASSIGN_OR_RETURN(Plan plan, PlanWithoutRoundTrips(migration));
  ZS_RETURN_IF_ERROR(AddRoundTripWarnings(plan));
  return plan;
}

Result<Plan> Engine::PlanWithoutRoundTrips(const migration::Migration& migration) {
  ZS_RETURN_IF_ERROR(CheckNames(migration));
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_RETURN_IF_ERROR(CheckTypesExist(migration, operations));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*session_, options_.schema));
  ZS_RETURN_IF_ERROR(FillUserTriggers(input, base));
  ZS_ASSIGN_OR_RETURN(Plan plan, DryRun(input, operations, std::move(base)));
  ZS_RETURN_IF_ERROR(steps_->CheckNamesFree(*this, migration, plan));
  return plan;
}

Status Engine::AddRoundTripWarnings(Plan& plan) {
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> lossy,
                      CheckRoundTrips(*session_, plan.trigger_specs, plan.snapshots));
  plan.warnings.insert(plan.warnings.end(), lossy.begin(), lossy.end());
  return Status::Ok();
}

Status Engine::RunAction(const ops::Action& action, const std::string& same_transaction_sql) {
  Log("  " + action.id);
  return steps_->RunAction(*this, action, same_transaction_sql);
}

Status Engine::RunActions(const std::vector<ops::Action>& actions,
                          const std::string& last_extra_sql) {
  for (size_t i = 0; i < actions.size(); ++i) {
    bool last = i + 1 == actions.size();
    ZS_RETURN_IF_ERROR(RunAction(actions[i], last ? last_extra_sql : ""));
  }
  if (actions.empty() && !last_extra_sql.empty()) return RunStateSql(last_extra_sql);
  return Status::Ok();
}

Status Engine::RunStateSql(const std::string& sql) {
  if (sql.empty()) return Status::Ok();
  return steps_->RunStateSql(*this, sql);
}

Status Engine::RunRecordedActions(const state::MigrationRecord& record,
                                  const std::vector<ops::Action>& actions,
                                  const std::string& last_extra_sql) {
  return steps_->RunRecordedActions(*this, record, actions, last_extra_sql);
}

Status Engine::FillUserTriggers(PlanInput& input, const schema::Schema& base) {
  return steps_->FillUserTriggers(*this, input, base);
}

std::string Engine::ClientSql(const std::string& version) const {
  return steps_->ClientSql(backend(), options_.schema, version);
}

Result<std::string> Engine::OldClientsVersion() {
  return OldVersionSchema(*session_, options_.schema);
}

Result<Plan> Engine::ValidateMigration(const migration::Migration& migration) {
  return steps_->Validate(*this, migration);
}

Result<state::MigrationRecord> Engine::RequireActive() {
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (!active) {
    return NotFound(
        fmt::format("no migration is active in schema \"{}\"; start one first", options_.schema));
  }
  return *active;
}

Result<std::unique_ptr<Engine::Loaded>> Engine::LoadActive(const state::MigrationRecord& record) {
  // On the heap: loaded.input points into loaded.migration.
  auto owned = std::make_unique<Loaded>();
  Loaded& loaded = *owned;
  ZS_ASSIGN_OR_RETURN(loaded.migration, migration::ParseStoredMigration(record.migration_json,
                                                                        record.name + ".json"));
  loaded.migration.name = record.name;
  ZS_ASSIGN_OR_RETURN(loaded.operations, MakeOperations(loaded.migration));
  if (record.snapshots.empty()) {
    return Internal(fmt::format(
        "the state row of migration \"{}\" has no schema snapshots; run `zeroshift doctor`",
        record.name));
  }
  loaded.snapshots = record.snapshots;
  ZS_ASSIGN_OR_RETURN(loaded.input, MakePlanInput(loaded.migration));
  loaded.input.migration = &loaded.migration;
  loaded.input.version_schema = record.version_schema;
  return owned;
}

}  // namespace zs::engine
