// Engine::Start and the backfill it runs: expand, dual write, backfill, new
// version; resuming an interrupted backfill; its live control.
#include "engine/engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "backfill/cursor_store.h"
#include "backfill/interrupt.h"
#include "engine/engine_checks.h"
#include "engine/engine_steps.h"
#include "engine/fault_injection.h"
#include "engine/rehearsal.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "state/load_migration.h"

namespace zs::engine {

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
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(*session_, options_.schema));
  return state_->SetLiveSchema(options_.schema, name, live);
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
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state_, options_.schema));
  if (active) {
    if (active->name == migration.name && active->step == state::Step::kBackfilling) {
      Log(fmt::format("resuming the backfill of \"{}\"", migration.name));
      ZS_ASSIGN_OR_RETURN(auto loaded, LoadActive(*active));
      ZS_ASSIGN_OR_RETURN(Plan plan,
                          BuildPlan(loaded->input, loaded->operations, loaded->snapshots.front()));
      plan.snapshots = loaded->snapshots;
      return RunBackfill(*active, plan);
    }
    if (active->name == migration.name && active->step == state::Step::kStarting) {
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
        active->name, options_.schema, state::StepName(active->step), migration.name));
  }
  ZS_ASSIGN_OR_RETURN(auto history, state::LoadHistory(*state_, options_.schema));
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
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(*session_, options_.schema));
  ZS_RETURN_IF_ERROR(FillUserTriggers(input, base));
  ZS_ASSIGN_OR_RETURN(Plan dry, DryRun(input, operations, base));
  ZS_RETURN_IF_ERROR(steps_->CheckNamesFree(*this, migration, dry));
  // User triggers the backfill would fire (engine_steps.h).
  ZS_RETURN_IF_ERROR(steps_->CheckBackfillUserTriggers(*this, dry, base));
  // PostgreSQL rehearses in a rolled-back transaction; MariaDB, whose DDL
  // commits, checks the columns' dependents and says why it cannot
  // (engine/rehearsal_mariadb.h).
  ZS_RETURN_IF_ERROR(
      Rehearse(*session_, options_.schema, input, operations,
               {.retry = options_.retry, .log = options_.log, .skip_when_busy = true}));

  state::MigrationRecord record{.schema = options_.schema,
                                .name = migration.name,
                                .migration_json = migration::ToJson(migration),
                                .version_schema = input.version_schema,
                                .step = state::Step::kStarting,
                                .snapshots = dry.snapshots,
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
      ZS_RETURN_IF_ERROR(state_->SetSnapshots(options_.schema, migration.name, ran));
    }
    ZS_RETURN_IF_ERROR(RunActions(actions, ""));
    if (!op.ChangesSchemaOpaquely()) return std::optional<schema::Schema>();
    ZS_ASSIGN_OR_RETURN(schema::Schema reread, schema::ReadSchema(*session_, options_.schema));
    ran.back() = reread;
    return std::optional<schema::Schema>(std::move(reread));
  };
  auto plan = BuildPlan(input, operations, base, run);
  if (!plan.ok()) {
    return plan.status().WithContext(fmt::format(
        "start of \"{}\" stopped part-way; run `zeroshift rollback` to undo it", migration.name));
  }
  ZS_RETURN_IF_ERROR(state_->SetSnapshots(options_.schema, migration.name, plan->snapshots));
  for (const auto& warning : plan->warnings) Log("warning: " + warning);
  // The expand actions ran inside BuildPlan; triggers and views follow.
  EnterPhase("dual_write");
  Status status = RunActions(plan->install, state_->SetStepSql(options_.schema, migration.name,
                                                               state::Step::kBackfilling));
  if (!status.ok()) {
    return status.WithContext(fmt::format(
        "start of \"{}\" stopped part-way; run `zeroshift rollback` to undo it", migration.name));
  }
  record.step = state::Step::kBackfilling;
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
  backfill::StateCursorStore cursors(*state_);
  backfill::Backfiller backfiller(*session_, cursors, options_.schema, record.name,
                                  backfill_options);
  const schema::Schema& base = plan.snapshots.front();
  for (const auto& task : plan.backfill) {
    const schema::Table* table = base.FindPhysicalTable(task.table);
    if (table == nullptr) continue;  // created by this migration: nothing to backfill
    Log(fmt::format("  backfill: {}", task.reason));
    // A batch that computes `up` itself (MariaDB) needs the table's specs.
    std::vector<triggers::TriggerSpec> up;
    for (const auto& spec : plan.trigger_specs) {
      if (spec.table == task.table && spec.direction == triggers::Direction::kUp) {
        up.push_back(spec);
      }
    }
    Status status = backfiller.Run(*table, task, up);
    // Stopped by a signal: the message already says how to resume.
    if (!status.ok() && backfill::InterruptSignal() != 0) return status;
    if (!status.ok()) {
      return status.WithContext(
          "backfill interrupted; re-run the same `zeroshift start` to resume it, or `zeroshift "
          "rollback`");
    }
  }
  ZS_RETURN_IF_ERROR(state_->SetStep(record.schema, record.name, state::Step::kActive));
  // Quoted as SQL: the line is meant to be pasted into a client (MariaDB's
  // quotes identifiers with backquotes, so it is not set in backquotes).
  std::string sql = ClientSql(record.version_schema);
  std::string shown = sql.find('`') == std::string::npos ? "`" + sql + "`" : "\"" + sql + "\"";
  Log(fmt::format(
      "\"{}\" is active: new clients run {}; run `zeroshift complete` once old clients are gone",
      record.name, shown));
  return Status::Ok();
}

Status Engine::Backfill() {
  command_ = "backfill";
  ZS_RETURN_IF_ERROR(Lock());
  ZS_ASSIGN_OR_RETURN(state::MigrationRecord active, RequireActive());
  if (active.step != state::Step::kBackfilling) {
    return Conflict(fmt::format(
        "migration \"{}\" is at step {}, so it has no backfill to resume; `zeroshift status` "
        "shows where it is",
        active.name, state::StepName(active.step)));
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

}  // namespace zs::engine
