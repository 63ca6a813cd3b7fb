// The active migration as doctor sees it: read through state::LoadMigration
// like the engine, its complete and rollback actions rebuilt, and what is
// wrong with it when no zeroshift process is running it.
#include "doctor/doctor_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/planner.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "schema/schema.h"
#include "state/load_migration.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write_origin.h"

namespace zs::doctor::detail {

namespace {

// Rebuilds the active migration's complete and rollback actions from its
// state row, exactly as the engine does before it runs them.
Status LoadActions(ActiveMigration& active, const backend::Backend& backend) {
  const state::MigrationRecord& record = active.record;
  ZS_ASSIGN_OR_RETURN(
      migration::Migration migration,
      migration::ParseStoredMigration(record.migration_json, record.name + ".json"));
  migration.name = record.name;
  ZS_ASSIGN_OR_RETURN(engine::Operations operations, engine::MakeOperations(migration));
  const std::vector<schema::Schema>& snapshots = record.snapshots;
  if (snapshots.empty()) return Internal("it has no schema snapshots");
  engine::PlanInput input{
      .migration = &migration, .version_schema = record.version_schema, .backend = &backend};
  active.actions = engine::CompleteActions(input, operations, snapshots);
  auto rollback = engine::RollbackActions(input, operations, snapshots);
  active.actions.insert(active.actions.end(), rollback.begin(), rollback.end());
  for (const auto& action : active.actions) {
    if (!action.table.empty()) active.tables.insert(action.table);
  }
  for (const auto& spec : engine::TriggerSpecs(input, operations, snapshots)) {
    active.trigger_tables.insert(spec.table);
    active.tables.insert(spec.table);
  }
  return Status::Ok();
}

// Which sessions' writes a PostgreSQL dual-write trigger of `table` serves.
std::string TriggerRole(const std::string& name, const std::string& schema,
                        const std::string& table) {
  return name == triggers::OriginTriggerName(schema, table) ||
                 name == triggers::OriginInsertTriggerName(schema, table)
             ? "every ordinary session"
             : "replica-mode sessions: the backfill's, logical replication's apply workers";
}

// The active migration through state::LoadMigration, like the engine; a row
// it refuses (unknown step, damaged snapshots) is kept by its identity, so
// that doctor reports it instead of failing.
}  // namespace

Result<std::optional<ActiveMigration>> LoadActive(state::StateStore& state,
                                                  const std::string& schema,
                                                  const backend::Backend& backend) {
  ZS_ASSIGN_OR_RETURN(auto row, state.ActiveRow(schema));
  if (!row) return std::optional<ActiveMigration>();
  ActiveMigration active{.step = row->step};
  Result<state::MigrationRecord> record = state::LoadMigration(*row);
  Status loaded = record.status();
  if (record.ok()) {
    active.record = std::move(record).value();
    loaded = LoadActions(active, backend);
  } else {
    active.record = {
        .schema = row->schema, .name = row->name, .version_schema = row->version_schema};
  }
  active.readable = loaded.ok();
  if (!loaded.ok()) active.unreadable_reason = loaded.message();
  return std::optional<ActiveMigration>(std::move(active));
}

// An active migration that no zeroshift process is running and whose own
// objects are missing, or that stopped between steps no command resumes.
Status CheckActive(Context& ctx) {
  if (!ctx.active) return Status::Ok();
  const state::MigrationRecord& record = ctx.active->record;
  auto report = [&](std::string object, std::string reason) {
    ctx.Add({.kind = kActiveMigration,
             .object = std::move(object),
             .reason = std::move(reason),
             .active_migration = record.name});
  };
  std::string migration = fmt::format("migration \"{}\" (step {})", record.name, ctx.active->step);
  if (!ctx.active->readable) {
    report(pg::QuoteLiteral(record.name),
           fmt::format("the state row of active {} cannot be read back ({}); `zeroshift "
                       "rollback` cannot use it either: inspect zeroshift.migrations by hand",
                       migration, ctx.active->unreadable_reason));
    return Status::Ok();
  }
  if (record.step == state::Step::kStarting) {
    report(pg::QuoteLiteral(record.name),
           fmt::format("{} stopped during expand and no zeroshift process is running it; run "
                       "`zeroshift rollback` to undo it, then `zeroshift start` again",
                       migration));
    return Status::Ok();
  }
  if (record.step == state::Step::kCompleting || record.step == state::Step::kRollingBack) {
    const char* command = record.step == state::Step::kCompleting ? "complete" : "rollback";
    report(pg::QuoteLiteral(record.name),
           fmt::format("{} stopped part-way through {} and no zeroshift process is running it; "
                       "run `zeroshift {}` again to finish it",
                       migration, command, command));
    return Status::Ok();
  }
  std::string advice =
      "run `zeroshift rollback` (it skips what is already gone), then "
      "`zeroshift start` with the migration file again";
  ZS_ASSIGN_OR_RETURN(pg::Rows version,
                      ctx.conn.ExecParams("SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                                          {record.version_schema}));
  if (version.GetInt(0, 0) == 0) {
    report(pg::QuoteIdent(record.version_schema),
           fmt::format("the version schema of active {} is missing; {}", migration, advice));
  }
  const triggers::DualWriteSql& dual_write = triggers::DualWriteFor(backend::Postgres());
  for (const auto& table : ctx.active->trigger_tables) {
    std::string function = triggers::TableTriggerFunctionName(ctx.schema, table);
    // Both triggers of the table (ordinary sessions' and the replica-mode
    // twin, postgres_dual_write_origin.h): without either, the writes of the
    // sessions it serves are not dual-written. A zeroshift from before the
    // split installed the first alone, ENABLE ALWAYS: it serves every session.
    // A zeroshift from before the INSERT trigger was split off installed the
    // ordinary sessions' trigger for INSERT OR UPDATE: no INSERT one is missing.
    bool any_trigger = false, always = false, origin_inserts = false;
    for (const auto& name : dual_write.TriggerNames(ctx.schema, table)) {
      ZS_ASSIGN_OR_RETURN(
          pg::Rows found,
          ctx.conn.ExecParams("SELECT t.tgenabled::text, (t.tgtype & 4) <> 0 FROM pg_trigger t "
                              "WHERE t.tgrelid = to_regclass($1) AND t.tgname = $2",
                              {ctx.Table(table), name.substr(0, kMaxIdentifierBytes)}));
      if (!found.empty()) {
        any_trigger = true;
        always = always || found.Get(0, 0) == "A";
        if (name == triggers::OriginTriggerName(ctx.schema, table)) {
          origin_inserts = found.Get(0, 1) == "t";
        }
        continue;
      }
      if (always) continue;
      if (origin_inserts && name == triggers::OriginInsertTriggerName(ctx.schema, table)) continue;
      report(fmt::format("{} ON {}", pg::QuoteIdent(name), ctx.Table(table)),
             fmt::format("the dual-write trigger of active {} is missing, so the writes of the "
                         "sessions it serves ({}) from one version do not reach the other; {}",
                         migration, TriggerRole(name, ctx.schema, table), advice));
    }
    if (!any_trigger) continue;  // the function is reported as called by nothing
    ZS_ASSIGN_OR_RETURN(
        pg::Rows found,
        ctx.conn.ExecParams("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                            "p.pronamespace WHERE n.nspname = $1 AND p.proname = $2",
                            {triggers::kStateSchema, function.substr(0, kMaxIdentifierBytes)}));
    if (found.GetInt(0, 0) == 0) {
      report(pg::QualifiedName(triggers::kStateSchema, function) + "()",
             fmt::format("the trigger function of active {} is missing; {}", migration, advice));
    }
  }
  return Status::Ok();
}

}  // namespace zs::doctor::detail
