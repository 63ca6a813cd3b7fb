// The engine's core: connecting, the lock, planning and validating, and
// running actions (recorded for complete and rollback). The commands are in
// engine_start.cc, engine_complete.cc, engine_history.cc, engine_status.cc
// and engine_verify.cc.
#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/baseline_version.h"
#include "engine/engine_checks.h"
#include "engine/fault_injection.h"
#include "engine/ownership.h"
#include "engine/rehearsal.h"
#include "engine/resolve.h"
#include "engine/round_trip.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "pg/pooler.h"
#include "pg/quote.h"
#include "pg/session.h"
#include "state/load_migration.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

// Pseudo-types that CREATE TABLE accepts but to_regtype does not know.
bool IsSerialPseudoType(const std::string& type) {
  return type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial4" ||
         type == "serial8" || type == "serial2";
}

// Which drops of complete/rollback actions must target a recorded object.
enum class DropCheck { kNone, kOwnKinds, kAll };

// `action` without the statements that would drop a live object zeroshift
// has no record of creating (kOwnKinds: schemas, triggers and functions
// only; the rest of a complete drops the user's old shape on purpose).
Result<ops::Action> WithoutForeignDrops(pg::Connection& conn, const std::string& schema,
                                        const ops::Action& action, DropCheck check,
                                        const std::function<void(const std::string&)>& log) {
  if (check == DropCheck::kNone || IsUserSql(action)) return action;
  ZS_ASSIGN_OR_RETURN(std::vector<Statement> statements, SplitStatements(action.sql, schema));
  std::string kept;
  bool skipped = false;
  for (const auto& statement : statements) {
    std::string foreign;
    for (const auto& object : statement.drops) {
      bool own_kind =
          object.kind == kObjSchema || object.kind == kObjTrigger || object.kind == kObjFunction;
      if (check == DropCheck::kOwnKinds && !own_kind) continue;
      ZS_ASSIGN_OR_RETURN(
          pg::Rows rows,
          conn.Exec(fmt::format("SELECT {} AND NOT {}", ExistsSql(object), RecordedSql(object))));
      if (rows.GetBool(0, 0)) foreign += (foreign.empty() ? "" : ", ") + object.Describe();
    }
    if (foreign.empty()) {
      kept += (kept.empty() ? "" : "\n") + statement.text;
      continue;
    }
    skipped = true;
    if (log)
      log(
          fmt::format("    skipped: {} was not created by zeroshift (no record of it), so it is "
                      "left alone",
                      foreign));
  }
  if (!skipped) return action;
  ops::Action filtered = action;
  filtered.sql = kept.empty() ? "SELECT 1;" : kept;
  return filtered;
}

}  // namespace

Engine::Engine(std::unique_ptr<backend::PostgresSession> session, Options options)
    : conn_(&session->connection()),
      session_(std::move(session)),
      options_(std::move(options)),
      state_(state::OpenStateStore(*session_)),
      runner_(ddl::MakeRunner(*session_, options_.retry)) {
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
  pg::SessionSettings settings{.lock_timeout = options.retry.lock_timeout,
                               .statement_timeout = options.retry.statement_timeout};
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::OpenOwnSession(conninfo, settings));
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(options.schema)));
  return Engine(std::make_unique<backend::PostgresSession>(std::move(conn)), std::move(options));
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
  Resolvers resolvers = MakeResolvers(*session_, options_.schema);
  PlanInput input{.migration = &migration,
                  .version_schema = versions::VersionSqlFor(backend()).VersionName(
                      options_.schema, migration.name, migration.version_schema),
                  .server_version_num = conn_->ServerVersion(),
                  .backend = &backend(),
                  .resolve = std::move(resolvers.resolve),
                  .check_stored = std::move(resolvers.check_stored)};
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
    for (const auto& type : operations[i]->TypesUsed()) {
      if (IsSerialPseudoType(type)) continue;
      auto rows = conn_->ExecParams("SELECT to_regtype($1) IS NOT NULL", {type});
      if (!rows.ok() || !rows->GetBool(0, 0)) {
        const auto& op = migration.operations[i];
        return InvalidInput(fmt::format(
            "{} {}: type \"{}\" does not exist in this database; check the spelling or create "
            "the type first",
            op.location.ToString(), op.kind, type));
      }
    }
  }
  return Status::Ok();
}

Result<Plan> Engine::PlanMigration(const migration::Migration& migration) {
  ZS_RETURN_IF_ERROR(CheckNames(migration));
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_RETURN_IF_ERROR(CheckTypesExist(migration, operations));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*session_, options_.schema));
  ZS_ASSIGN_OR_RETURN(Plan plan, DryRun(input, operations, std::move(base)));
  ZS_RETURN_IF_ERROR(CheckNamesFree(*conn_, options_.schema, migration, plan));
  // Inside validate's READ ONLY transaction it runs after it (ValidateMigration).
  if (!conn_->InTransaction()) ZS_RETURN_IF_ERROR(AddRoundTripWarnings(plan));
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
  std::string bookkeeping = same_transaction_sql;
  if (command_ == "start" && !IsUserSql(action)) {
    // What a start action creates is recorded under the active migration in
    // the transaction that creates it (right after it for a CONCURRENTLY
    // action), by catalog identity.
    ZS_ASSIGN_OR_RETURN(auto created, CreatedObjects(action.sql, options_.schema));
    std::string record;
    for (const auto& object : created) record += RecordSql(options_.schema, object) + "\n";
    bookkeeping = record + bookkeeping;
  }
  std::string lock_table =
      action.table.empty() ? "" : pg::QualifiedName(options_.schema, action.table);
  Status status = runner_->Run(action.sql, {.concurrently = !action.transactional,
                                            .same_transaction_sql = bookkeeping,
                                            .before_retry_sql = action.before_retry_sql,
                                            .lock_table = lock_table});
  if (status.ok()) FaultPoint(command_);
  return status.WithContext(action.id);
}

Status Engine::RunActions(const std::vector<ops::Action>& actions,
                          const std::string& last_extra_sql) {
  for (size_t i = 0; i < actions.size(); ++i) {
    bool last = i + 1 == actions.size();
    ZS_RETURN_IF_ERROR(RunAction(actions[i], last ? last_extra_sql : ""));
  }
  if (actions.empty() && !last_extra_sql.empty()) return conn_->Run(last_extra_sql);
  return Status::Ok();
}

Status Engine::RunRecordedActions(const state::MigrationRecord& record,
                                  const std::vector<ops::Action>& actions,
                                  const std::string& last_extra_sql) {
  // Rollback drops only what start recorded creating; complete drops the
  // previous version schema and the triggers only if recorded (the rest of
  // it drops the user's old shape on purpose). A row an older zeroshift
  // started has no records: its objects are found by name as before.
  DropCheck check = command_ == "rollback"   ? DropCheck::kAll
                    : command_ == "complete" ? DropCheck::kOwnKinds
                                             : DropCheck::kNone;
  ZS_ASSIGN_OR_RETURN(bool tracked, TracksObjects(*session_, record.schema, record.name));
  if (check == DropCheck::kOwnKinds && tracked) {
    ZS_ASSIGN_OR_RETURN(auto previous, state::LoadLatestDoneMigration(*state_, record.schema));
    if (previous) {
      ZS_ASSIGN_OR_RETURN(tracked, TracksObjects(*session_, record.schema, previous->name));
    }
  }
  if (!tracked) check = DropCheck::kNone;
  // Each action commits with the count of actions done, so a re-run after a
  // crash starts at the first action that had not committed.
  for (size_t i = static_cast<size_t>(record.actions_done); i < actions.size(); ++i) {
    std::string bookkeeping =
        state_->ActionsDoneSql(record.schema, record.name, static_cast<int>(i + 1));
    if (i + 1 == actions.size()) bookkeeping += "\n" + last_extra_sql;
    ZS_ASSIGN_OR_RETURN(ops::Action action, WithoutForeignDrops(*conn_, options_.schema, actions[i],
                                                                check, options_.log));
    ZS_RETURN_IF_ERROR(RunAction(action, bookkeeping));
  }
  if (static_cast<size_t>(record.actions_done) >= actions.size() && !last_extra_sql.empty()) {
    return conn_->Run(last_extra_sql);
  }
  return Status::Ok();
}

Result<Plan> Engine::ValidateMigration(const migration::Migration& migration) {
  ZS_RETURN_IF_ERROR(conn_->Run("BEGIN TRANSACTION READ ONLY"));
  Result<Plan> plan = PlanMigration(migration);
  Status end = conn_->Run("ROLLBACK");
  if (!plan.ok()) return plan;
  ZS_RETURN_IF_ERROR(end);
  // Runs the plan in a transaction that is rolled back (engine/rehearsal.h).
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_RETURN_IF_ERROR(Rehearse(*session_, options_.schema, input, operations,
                              {.retry = options_.retry, .log = options_.log}));
  ZS_RETURN_IF_ERROR(AddRoundTripWarnings(*plan));
  return plan;
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
