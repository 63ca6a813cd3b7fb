#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "backfill/interrupt.h"
#include "engine/baseline_version.h"
#include "engine/fault_injection.h"
#include "engine/ownership.h"
#include "engine/rehearsal.h"
#include "engine/resolve.h"
#include "engine/round_trip.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "pg/session.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

// Pseudo-types that CREATE TABLE accepts but to_regtype does not know.
bool IsSerialPseudoType(const std::string& type) {
  return type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial4" ||
         type == "serial8" || type == "serial2";
}

nlohmann::json SnapshotsToJson(const std::vector<schema::Schema>& snapshots) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& snapshot : snapshots) array.push_back(schema::ToJson(snapshot));
  return array;
}

Result<std::vector<schema::Schema>> SnapshotsFromJson(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return Internal("the state row's schema snapshots are not valid JSON; run `zeroshift doctor`");
  }
  std::vector<schema::Schema> snapshots;
  for (const auto& item : json) {
    ZS_ASSIGN_OR_RETURN(schema::Schema snapshot, schema::SchemaFromJson(item));
    snapshots.push_back(std::move(snapshot));
  }
  return snapshots;
}

// The part of `m` a dry run (nothing executed) can plan: up to and including
// its first operation that changes the schema opaquely (raw SQL). The
// operations after it may refer to objects only that SQL creates, and an
// operation's Start needs its Validate to have passed; Start plans them once
// the SQL has run. nullopt when the whole migration can be planned.
std::optional<migration::Migration> DryRunPart(const migration::Migration& m,
                                               const Operations& operations) {
  for (size_t i = 0; i + 1 < operations.size(); ++i) {
    if (!operations[i]->ChangesSchemaOpaquely()) continue;
    migration::Migration head = m;
    head.operations.resize(i + 1);
    return head;
  }
  return std::nullopt;
}

Result<Plan> DryRun(const PlanInput& input, const Operations& operations, schema::Schema base) {
  std::optional<migration::Migration> head = DryRunPart(*input.migration, operations);
  if (!head) return BuildPlan(input, operations, std::move(base));
  ZS_ASSIGN_OR_RETURN(Operations head_operations, MakeOperations(*head));
  PlanInput head_input = input;
  head_input.migration = &*head;
  return BuildPlan(head_input, head_operations, std::move(base));
}

}  // namespace

Engine::Engine(std::unique_ptr<pg::Connection> conn, Options options)
    : conn_(std::move(conn)),
      options_(std::move(options)),
      state_(std::make_unique<state::StateStore>(*conn_)),
      runner_(std::make_unique<pg::DdlRunner>(*conn_, options_.retry)) {
  // Captures copies, never `this`: Engine is returned by value and moved, so
  // a captured `this` would dangle by the time a lock wait is retried.
  runner_->OnRetry([log = options_.log, max_attempts = options_.retry.max_attempts](
                       int attempt, std::chrono::milliseconds delay, const Status& error) {
    if (!log) return;
    log(fmt::format("    lock not available (attempt {}/{}): {}; retrying in {} ms", attempt,
                    max_attempts, error.message(), delay.count()));
  });
}

Result<Engine> Engine::Connect(const std::string& conninfo, Options options) {
  pg::SessionSettings settings{.lock_timeout = options.retry.lock_timeout,
                               .statement_timeout = options.retry.statement_timeout};
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(conninfo, settings));
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(options.schema)));
  return Engine(std::make_unique<pg::Connection>(std::move(conn)), std::move(options));
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
  Resolvers resolvers = MakeResolvers(*conn_, options_.schema);
  PlanInput input{.migration = &migration,
                  .version_schema = versions::VersionSchemaName(options_.schema, migration.name,
                                                                migration.version_schema),
                  .server_version_num = conn_->ServerVersion(),
                  .resolve = std::move(resolvers.resolve),
                  .check_stored = std::move(resolvers.check_stored)};
  ZS_ASSIGN_OR_RETURN(input.previous_version_schema,
                      PreviousVersionSchema(*conn_, options_.schema, migration.name));
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

namespace {

// An `sql` operation's own statements (ids "sql:<index>:up|down"): what
// they create and drop is the user's explicit instruction, so they are
// neither checked for free names, nor recorded, nor filtered.
bool IsUserSql(const ops::Action& action) { return action.id.starts_with("sql:"); }

// A migration built in code (convert, the lab, tests) has not been through
// the parser: its names are checked here before they reach SQL or a file.
Status CheckNames(const migration::Migration& migration) {
  std::string where = migration.source_file.empty() ? "migration" : migration.source_file + ":";
  ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(migration.name, where + " name"));
  if (migration.version_schema.empty()) return Status::Ok();
  return migration::ValidateMigrationName(migration.version_schema, where + " version_schema");
}

// Refuses, before anything runs, a plan that would create an object whose
// name is taken (SAFETY.md invariant 3), listing every such name.
Status CheckNamesFree(pg::Connection& conn, const std::string& schema,
                      const migration::Migration& migration, const Plan& plan) {
  std::vector<ObjectRef> created;
  for (const auto* actions : {&plan.expand, &plan.install}) {
    for (const auto& action : *actions) {
      if (IsUserSql(action)) continue;
      // SQL that does not parse (a user expression that breaks its wrapper)
      // creates nothing: the rehearsal reports it, with the operation's line.
      auto parsed = CreatedObjects(action.sql, schema);
      if (!parsed.ok()) continue;
      auto objects = std::move(parsed).value();
      for (auto& object : objects) {
        if (std::find(created.begin(), created.end(), object) == created.end()) {
          created.push_back(std::move(object));
        }
      }
    }
  }
  if (created.empty()) return Status::Ok();
  std::string values;
  for (size_t i = 0; i < created.size(); ++i) {
    values += fmt::format("{}({}, {})", i == 0 ? "" : ", ", i, ExistsSql(created[i]));
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec("SELECT i FROM (VALUES " + values +
                                               ") AS v(i, taken) WHERE taken ORDER BY i"));
  if (rows.empty()) return Status::Ok();
  std::string taken;
  for (int r = 0; r < rows.size(); ++r) {
    taken += "\n  " + created[static_cast<size_t>(rows.GetInt(r, 0))].Describe();
  }
  return Conflict(fmt::format(
      "{}: migration \"{}\" would create objects whose names are already taken by objects "
      "zeroshift did not create:{}\nnothing was changed; rename or drop those objects, or give "
      "the migration another name (or `version_schema`)",
      migration.source_file.empty() ? "migration" : migration.source_file, migration.name, taken));
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

Result<Plan> Engine::PlanMigration(const migration::Migration& migration) {
  ZS_RETURN_IF_ERROR(CheckNames(migration));
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_RETURN_IF_ERROR(CheckTypesExist(migration, operations));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*conn_, options_.schema));
  ZS_ASSIGN_OR_RETURN(Plan plan, DryRun(input, operations, std::move(base)));
  ZS_RETURN_IF_ERROR(CheckNamesFree(*conn_, options_.schema, migration, plan));
  // Inside validate's READ ONLY transaction it runs after it (ValidateMigration).
  if (!conn_->InTransaction()) ZS_RETURN_IF_ERROR(AddRoundTripWarnings(plan));
  return plan;
}

Status Engine::AddRoundTripWarnings(Plan& plan) {
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> lossy,
                      CheckRoundTrips(*conn_, plan.trigger_specs, plan.snapshots));
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
  ZS_ASSIGN_OR_RETURN(bool tracked, TracksObjects(*conn_, record.schema, record.name));
  if (check == DropCheck::kOwnKinds && tracked) {
    ZS_ASSIGN_OR_RETURN(auto previous, state_->LatestDone(record.schema));
    if (previous) {
      ZS_ASSIGN_OR_RETURN(tracked, TracksObjects(*conn_, record.schema, previous->name));
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
  ZS_RETURN_IF_ERROR(Rehearse(*conn_, options_.schema, input, operations,
                              {.retry = options_.retry, .log = options_.log}));
  ZS_RETURN_IF_ERROR(AddRoundTripWarnings(*plan));
  return plan;
}

Status Engine::Start(const migration::Migration& migration) { return StartRecorded(migration, {}); }

Status Engine::StartSingleVersion(const std::vector<migration::Migration>& migrations) {
  if (migrations.empty()) return InvalidInput("no migrations to start");
  if (migrations.size() == 1) return Start(migrations.front());
  // Operations keep their own file:line, so messages name the right file.
  migration::Migration combined;
  combined.name = migrations.back().name;
  combined.version_schema = migrations.back().version_schema;
  combined.source_file = migrations.back().source_file;
  std::vector<state::MigrationPart> parts;
  for (const auto& m : migrations) {
    combined.operations.insert(combined.operations.end(), m.operations.begin(), m.operations.end());
    parts.push_back({.name = m.name, .migration_json = migration::ToJson(m)});
  }
  combined.raw_json = migration::ToJson(combined);
  return StartRecorded(combined, std::move(parts));
}

Status Engine::RecordLiveSchema(const std::string& name) {
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(*conn_, options_.schema));
  return state_->SetLiveSchema(options_.schema, name, schema::ToJson(live).dump());
}

Status Engine::StartRecorded(const migration::Migration& migration,
                             std::vector<state::MigrationPart> parts) {
  command_ = "start";
  ZS_RETURN_IF_ERROR(CheckNames(migration));
  if (int signal = backfill::InterruptSignal(); signal != 0) {
    // `migrate`, between two migrations: the next one is not begun.
    return Conflict(fmt::format("stopped by {} before starting \"{}\"; nothing of it was done",
                                backfill::SignalName(signal), migration.name));
  }
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(auto active, state_->Active(options_.schema));
  if (active) {
    if (active->name == migration.name && active->step == state::kStepBackfilling) {
      Log(fmt::format("resuming the backfill of \"{}\"", migration.name));
      ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(*active));
      ZS_ASSIGN_OR_RETURN(Plan plan,
                          BuildPlan(loaded->input, loaded->operations, loaded->snapshots.front()));
      plan.snapshots = loaded->snapshots;
      return RunBackfill(*active, plan);
    }
    if (active->name == migration.name && active->step == state::kStepStarting) {
      // Expand stopped part-way (a crash, a lost connection): its state row
      // knows what ran, so undo that and start from the beginning.
      Log(fmt::format("start of \"{}\" stopped part-way before; undoing it to start again",
                      migration.name));
      ZS_RETURN_IF_ERROR(Rollback());
      command_ = "start";
      return StartRecorded(migration, std::move(parts));
    }
    return Conflict(fmt::format(
        "migration \"{}\" is active in schema \"{}\" (step {}); run `zeroshift complete` or "
        "`zeroshift rollback` before starting \"{}\"",
        active->name, options_.schema, active->step, migration.name));
  }
  ZS_ASSIGN_OR_RETURN(auto history, state_->History(options_.schema));
  std::vector<std::string> names{migration.name};
  for (const auto& part : parts) names.push_back(part.name);
  for (const auto& record : history) {
    std::vector<std::string> applied{record.name};
    for (const auto& part : record.parts) applied.push_back(part.name);
    for (const auto& name : names) {
      if (std::find(applied.begin(), applied.end(), name) == applied.end()) continue;
      return Conflict(fmt::format("migration \"{}\" was already applied to schema \"{}\" on {}",
                                  name, options_.schema, record.created_at));
    }
  }

  // Everything is validated before the database is touched.
  ZS_ASSIGN_OR_RETURN(Operations operations, MakeOperations(migration));
  ZS_RETURN_IF_ERROR(CheckTypesExist(migration, operations));
  ZS_ASSIGN_OR_RETURN(PlanInput input, MakePlanInput(migration));
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*conn_, options_.schema));
  ZS_ASSIGN_OR_RETURN(Plan dry, DryRun(input, operations, base));
  ZS_RETURN_IF_ERROR(CheckNamesFree(*conn_, options_.schema, migration, dry));
  for (const auto& task : dry.backfill) {  // user triggers the backfill would fire
    if (base.FindPhysicalTable(task.table) == nullptr) continue;
    ZS_RETURN_IF_ERROR(backfill::PlanUserTriggers(*conn_, options_.schema, task.table,
                                                  options_.backfill.fire_user_triggers)
                           .status());
  }
  ZS_RETURN_IF_ERROR(
      Rehearse(*conn_, options_.schema, input, operations,
               {.retry = options_.retry, .log = options_.log, .skip_when_busy = true}));

  state::MigrationRecord record{.schema = options_.schema,
                                .name = migration.name,
                                .migration_json = migration::ToJson(migration),
                                .version_schema = input.version_schema,
                                .step = state::kStepStarting,
                                .snapshots_json = SnapshotsToJson(dry.snapshots).dump(),
                                .parts = std::move(parts)};
  if (!history.empty()) record.parent = history.back().name;
  ZS_RETURN_IF_ERROR(state_->Insert(record));
  Log(fmt::format("starting \"{}\" on schema \"{}\"", migration.name, options_.schema));

  // Expand, operation by operation; raw SQL changes what the next ones see.
  EnterPhase("expand");
  // The snapshots of the operations started so far, as BuildPlan computes
  // them. Those past the dry run's (which stops after raw SQL) are stored
  // before each operation runs, so a rollback after a failure part-way
  // undoes every operation that ran.
  std::vector<schema::Schema> ran{base};
  RunStart run =
      [&](const ops::Operation& op, const ops::OpContext& ctx,
          const std::vector<ops::Action>& actions) -> Result<std::optional<schema::Schema>> {
    schema::Schema after = ran.back();
    op.Apply(ctx, after);
    ran.push_back(std::move(after));
    if (ran.size() > dry.snapshots.size()) {
      ZS_RETURN_IF_ERROR(
          state_->SetSnapshots(options_.schema, migration.name, SnapshotsToJson(ran).dump()));
    }
    ZS_RETURN_IF_ERROR(RunActions(actions, ""));
    if (!op.ChangesSchemaOpaquely()) return std::optional<schema::Schema>();
    ZS_ASSIGN_OR_RETURN(schema::Schema reread, schema::ReadSchema(*conn_, options_.schema));
    ran.back() = reread;
    return std::optional<schema::Schema>(std::move(reread));
  };
  auto plan = BuildPlan(input, operations, base, run);
  if (!plan.ok()) {
    return plan.status().WithContext(fmt::format(
        "start of \"{}\" stopped part-way; run `zeroshift rollback` to undo it", migration.name));
  }
  ZS_RETURN_IF_ERROR(state_->SetSnapshots(options_.schema, migration.name,
                                          SnapshotsToJson(plan->snapshots).dump()));
  for (const auto& warning : plan->warnings) Log("warning: " + warning);
  // The expand actions ran inside BuildPlan; triggers and views follow.
  EnterPhase("dual_write");
  Status status = RunActions(
      plan->install, state_->SetStepSql(options_.schema, migration.name, state::kStepBackfilling));
  if (!status.ok()) {
    return status.WithContext(fmt::format(
        "start of \"{}\" stopped part-way; run `zeroshift rollback` to undo it", migration.name));
  }
  record.step = state::kStepBackfilling;
  // The backfill changes rows only: the catalog is now what this start leaves.
  ZS_RETURN_IF_ERROR(RecordLiveSchema(migration.name));
  return RunBackfill(record, *plan);
}

Status Engine::RunBackfill(const state::MigrationRecord& record, const Plan& plan) {
  EnterPhase("backfill");
  backfill::Options backfill_options = options_.backfill;
  // A progress event follows each committed batch: a crash point.
  backfill_options.on_event = [this,
                               forward = options_.backfill.on_event](const backfill::Event& event) {
    if (forward) forward(event);
    if (event.kind == backfill::EventKind::kProgress) FaultPoint(command_);
  };
  backfill::Backfiller backfiller(*conn_, *state_, options_.schema, record.name, backfill_options);
  const schema::Schema& base = plan.snapshots.front();
  for (const auto& task : plan.backfill) {
    const schema::Table* table = base.FindPhysicalTable(task.table);
    if (table == nullptr) continue;  // created by this migration: nothing to backfill
    Log(fmt::format("  backfill: {}", task.reason));
    Status status = backfiller.Run(*table, task);
    // Stopped by a signal: the message already says how to resume.
    if (!status.ok() && backfill::InterruptSignal() != 0) return status;
    if (!status.ok()) {
      return status.WithContext(
          "backfill interrupted; re-run the same `zeroshift start` to resume it, or `zeroshift "
          "rollback`");
    }
  }
  ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::kStepActive));
  // Quoted as SQL: the line is meant to be pasted into a client.
  Log(fmt::format(
      "\"{}\" is active: new clients run `SET search_path TO {}, {}`; run `zeroshift complete` "
      "once old clients are gone",
      record.name, pg::QuoteIdent(record.version_schema), pg::QuoteIdent(record.schema)));
  return Status::Ok();
}

Status Engine::Backfill() {
  command_ = "backfill";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord active, RequireActive());
  if (active.step != state::kStepBackfilling) {
    return Conflict(fmt::format(
        "migration \"{}\" is at step {}, so it has no backfill to resume; `zeroshift status` "
        "shows where it is",
        active.name, active.step));
  }
  Log(fmt::format("resuming the backfill of \"{}\"", active.name));
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(active));
  ZS_ASSIGN_OR_RETURN(Plan plan,
                      BuildPlan(loaded->input, loaded->operations, loaded->snapshots.front()));
  plan.snapshots = loaded->snapshots;
  return RunBackfill(active, plan);
}

Result<state::BackfillControl> Engine::ControlBackfill(
    const std::function<void(state::BackfillControl&)>& change) {
  ZS_RETURN_IF_ERROR(state_->RequireInitialized());
  ZS_RETURN_IF_ERROR(state_->Upgrade());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord active, RequireActive());
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control, state_->Control(active.schema, active.name));
  change(control);
  ZS_RETURN_IF_ERROR(state_->SetControl(active.schema, active.name, control));
  return control;
}

Result<state::MigrationRecord> Engine::RequireActive() {
  ZS_ASSIGN_OR_RETURN(auto active, state_->Active(options_.schema));
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
  ZS_ASSIGN_OR_RETURN(loaded.snapshots, SnapshotsFromJson(record.snapshots_json));
  ZS_ASSIGN_OR_RETURN(loaded.input, MakePlanInput(loaded.migration));
  loaded.input.migration = &loaded.migration;
  loaded.input.version_schema = record.version_schema;
  return owned;
}

Status Engine::Complete() {
  command_ = "complete";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord record, RequireActive());
  if (record.step != state::kStepActive && record.step != state::kStepCompleting) {
    return Conflict(fmt::format(
        "migration \"{}\" is at step {}, not active; finish its start (re-run `zeroshift start`) "
        "or roll it back",
        record.name, record.step));
  }
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(record));
  if (record.step == state::kStepActive) {
    ZS_RETURN_IF_ERROR(CheckAddedSinceStart(*conn_, options_.schema, loaded->migration,
                                            loaded->snapshots,
                                            loaded->input.previous_version_schema));
  }
  EnterPhase("contract");
  if (record.step == state::kStepCompleting) {
    Log(fmt::format("resuming complete of \"{}\" after {} committed steps", record.name,
                    record.actions_done));
  } else {
    ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::kStepCompleting));
    record.actions_done = 0;
    Log(fmt::format("completing \"{}\"", record.name));
  }
  auto actions = CompleteActions(loaded->input, loaded->operations, loaded->snapshots);
  std::string done = state_->MarkDoneSql(record.schema, record.name,
                                         schema::ToJson(loaded->snapshots.back()).dump());
  // What the completed migration leaves is the user's from now on.
  done += "\n" + ForgetGoneObjectsSql(record.schema, record.name, /*completed=*/true);
  ZS_RETURN_IF_ERROR(RunRecordedActions(record, actions, done));
  // After the row says done: a failure here loses only drift's reference
  // (it then falls back to resulting_schema), never the completion.
  ZS_RETURN_IF_ERROR(RecordLiveSchema(record.name));
  Log(fmt::format("\"{}\" is complete", record.name));
  return Status::Ok();
}

Status Engine::Rollback() {
  command_ = "rollback";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord record, RequireActive());
  if (record.step == state::kStepCompleting) {
    return Conflict(fmt::format(
        "migration \"{}\" is part-way through complete; re-run `zeroshift complete` to finish it",
        record.name));
  }
  ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(record));
  EnterPhase("rollback");
  if (record.step == state::kStepRollingBack) {
    Log(fmt::format("resuming rollback of \"{}\" after {} committed steps", record.name,
                    record.actions_done));
  } else {
    ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::kStepRollingBack));
    record.actions_done = 0;
    Log(fmt::format("rolling back \"{}\"", record.name));
  }
  auto actions = RollbackActions(loaded->input, loaded->operations, loaded->snapshots);
  ZS_RETURN_IF_ERROR(
      RunRecordedActions(record, actions,
                         state_->DeleteSql(record.schema, record.name) + "\n" +
                             ForgetGoneObjectsSql(record.schema, record.name, false)));
  Log(fmt::format("\"{}\" is rolled back", record.name));
  return Status::Ok();
}

Result<std::string> Engine::LatestVersionSchema() {
  ZS_ASSIGN_OR_RETURN(auto active, state_->Active(options_.schema));
  if (active) return active->version_schema;
  ZS_ASSIGN_OR_RETURN(auto done, state_->LatestDone(options_.schema));
  if (!done) return std::string();
  // A baseline has no version schema: clients use the schema itself.
  return done->baseline ? options_.schema : done->version_schema;
}

Status Engine::RequireInitialized() { return state_->RequireInitialized(); }

Result<std::vector<state::MigrationRecord>> Engine::History() {
  ZS_ASSIGN_OR_RETURN(bool initialized, state_->IsInitialized());
  if (!initialized) return std::vector<state::MigrationRecord>();
  return state_->History(options_.schema);
}

Result<state::MigrationRecord> Engine::Baseline(const std::string& name) {
  ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(name, "baseline name"));
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(auto active, state_->Active(options_.schema));
  if (active) {
    return Conflict(fmt::format(
        "migration \"{}\" is active in schema \"{}\" (step {}); run `zeroshift complete` or "
        "`zeroshift rollback` before recording a baseline",
        active->name, options_.schema, active->step));
  }
  ZS_ASSIGN_OR_RETURN(auto history, state_->History(options_.schema));
  for (const auto& record : history) {
    bool same = record.name == name;
    for (const auto& part : record.parts) same = same || part.name == name;
    if (same) {
      return Conflict(fmt::format(
          "schema \"{}\" already has a migration named \"{}\" (recorded {}); choose another "
          "name for the baseline",
          options_.schema, name, record.created_at));
    }
  }
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(*conn_, options_.schema));
  std::string live_json = schema::ToJson(live).dump();
  migration::Migration empty{.name = name};
  state::MigrationRecord record{
      .schema = options_.schema,
      .name = name,
      .migration_json = migration::ToJson(empty),
      .done = true,
      .step = state::kStepDone,
      .snapshots_json = nlohmann::json::array({schema::ToJson(live)}).dump(),
      .resulting_schema_json = live_json,
      .live_schema_json = live_json,
      .baseline = true};
  if (!history.empty()) record.parent = history.back().name;
  ZS_RETURN_IF_ERROR(state_->Insert(record));
  Log(fmt::format("recorded baseline \"{}\" of schema \"{}\" ({} tables)", name, options_.schema,
                  live.tables.size()));
  return record;
}

namespace {

// What to do next, from the step and whether a zeroshift process is at work
// on it (SAFETY.md invariant 8: from every state, a way forward or back).
std::string NextStep(const state::MigrationRecord& active, bool running, bool paused) {
  if (running) {
    return "a zeroshift process is at work on this migration (see runner); stop it with Ctrl-C "
           "where it runs (or kill -INT its process): a backfill stops after its current batch";
  }
  if (active.step == state::kStepBackfilling) {
    std::string out =
        "the backfill was interrupted: `zeroshift backfill run` (or the same `zeroshift start`) "
        "resumes it; `zeroshift rollback` undoes the migration";
    if (paused) out += "; it is paused: `zeroshift backfill resume` first, or it waits at once";
    return out;
  }
  if (active.step == state::kStepActive) {
    return "`zeroshift complete` once old clients are gone, or `zeroshift rollback`";
  }
  if (active.step == state::kStepCompleting)
    return "complete stopped part-way: re-run `zeroshift complete`";
  if (active.step == state::kStepRollingBack)
    return "rollback stopped part-way: re-run `zeroshift rollback`";
  return "start stopped part-way: `zeroshift rollback` undoes it";
}

nlohmann::json RunnerJson(const std::optional<state::LockHolder>& runner) {
  if (!runner) return {{"alive", false}};
  return {{"alive", true},
          {"pid", runner->pid},
          {"application_name", runner->application_name},
          {"client", runner->client},
          {"connected_at", runner->backend_start}};
}

}  // namespace

Result<nlohmann::json> Engine::StatusJson() {
  nlohmann::json out{{"schema", options_.schema}};
  ZS_ASSIGN_OR_RETURN(bool initialized, state_->IsInitialized());
  out["initialized"] = initialized;
  if (!initialized) return out;
  ZS_ASSIGN_OR_RETURN(auto history, state_->History(options_.schema));
  out["migrations"] = history.size();
  ZS_ASSIGN_OR_RETURN(std::string latest, LatestVersionSchema());
  out["latest_version_schema"] = latest.empty() ? nlohmann::json() : nlohmann::json(latest);
  ZS_ASSIGN_OR_RETURN(auto active, state_->Active(options_.schema));
  if (!active) {
    out["active"] = nullptr;
    out["status"] = history.empty() ? "no migrations" : "complete";
    return out;
  }
  ZS_ASSIGN_OR_RETURN(nlohmann::json backfill, BackfillJson(*active));
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control,
                      state_->Control(active->schema, active->name));
  auto optional = [](const std::optional<long long>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  ZS_ASSIGN_OR_RETURN(std::optional<state::LockHolder> runner,
                      state_->SchemaLockHolder(active->schema));
  out["status"] = "in progress";
  out["active"] = {{"name", active->name},
                   {"step", active->step},
                   {"runner", RunnerJson(runner)},
                   {"next", NextStep(*active, runner.has_value(), control.paused)},
                   {"version_schema", active->version_schema},
                   {"started_at", active->created_at},
                   {"backfill", backfill},
                   {"backfill_control",
                    {{"paused", control.paused},
                     {"batch_size", optional(control.batch_size)},
                     {"target_ms", optional(control.target_ms)},
                     {"delay_ms", optional(control.delay_ms)}}}};
  return out;
}

Result<nlohmann::json> Engine::BackfillJson(const state::MigrationRecord& active) {
  ZS_RETURN_IF_ERROR(state_->Upgrade());
  ZS_ASSIGN_OR_RETURN(auto cursors, state_->Cursors(active.schema, active.name));
  ZS_ASSIGN_OR_RETURN(state::BackfillControl control, state_->Control(active.schema, active.name));
  // A live runner holds the schema's advisory lock; a runner that has gone
  // (Ctrl-C, kill, crash) holds nothing, whatever the state rows still say.
  ZS_ASSIGN_OR_RETURN(std::optional<state::LockHolder> runner,
                      state_->SchemaLockHolder(active.schema));
  bool running = runner.has_value();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : cursors) {
    std::string state = c.finished                               ? "finished"
                        : running && control.paused              ? "paused"
                        : running                                ? "running"
                        : active.step == state::kStepBackfilling ? "interrupted"
                                                                 : "stopped";
    // The rate and ETA as the runner's own progress lines compute them.
    backfill::Progress progress{.rows_done = c.rows_done,
                                .rows_estimate = c.rows_estimate,
                                .elapsed_seconds = c.run_seconds,
                                .finished = c.finished,
                                .run_rows = c.rows_done - c.run_rows_start};
    double eta = progress.EtaSeconds();
    nlohmann::json entry{{"target", c.table},
                         {"state", state},
                         {"rows_done", c.rows_done},
                         {"rows_estimate", c.rows_estimate},
                         {"rows_per_s", std::round(progress.RowsPerSecond())},
                         {"eta_s", eta >= 0 ? nlohmann::json(std::round(eta)) : nlohmann::json()},
                         {"batch_rows", c.batch_rows},
                         {"throttled_batches", c.throttled_batches},
                         {"started_at", c.started_at},
                         {"updated_at", c.updated_at},
                         {"finished", c.finished}};
    entry["percent"] =
        c.finished ? nlohmann::json(100)
        : c.rows_estimate > 0
            ? nlohmann::json(
                  std::round(std::min(99.9, 100.0 * c.rows_done / c.rows_estimate) * 10) / 10)
            : nlohmann::json();
    if (!c.throttle_reason.empty()) entry["last_throttle_reason"] = c.throttle_reason;
    if (!c.interrupted_by.empty() && !running) entry["interrupted_by"] = c.interrupted_by;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace zs::engine
