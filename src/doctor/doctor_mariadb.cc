#include "doctor/doctor_mariadb.h"

#include <fmt/format.h>

#include <optional>
#include <set>

#include "backend/mariadb_backend.h"
#include "ddl/runner.h"
#include "doctor/doctor_context.h"
#include "engine/baseline_version.h"
#include "engine/ownership_mariadb.h"
#include "mysql/connection.h"
#include "state/state_store.h"
#include "triggers/dual_write.h"
#include "versions/mariadb_version_schema.h"
#include "versions/version_schema.h"

namespace zs::doctor {

namespace {

std::string MariadbDoctorQ(const std::string& name) { return mysql::QuoteIdentifier(name); }

struct MariadbDoctorContext {
  backend::Session& session;
  mysql::Connection& conn;
  std::string schema;
  std::optional<detail::ActiveMigration> active;
  std::set<std::string> kept_versions;  // active, latest completed, baseline
  Report report;
};

Status MariadbFindVersionDatabases(MariadbDoctorContext& ctx) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      ctx.conn.Exec("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_COMMENT = " +
                    mysql::QuoteLiteral(versions::MariadbVersionComment(ctx.schema)) +
                    " ORDER BY SCHEMA_NAME"));
  const versions::VersionSql& versions = versions::VersionSqlFor(ctx.session.backend());
  for (int i = 0; i < rows.size(); ++i) {
    std::string name = rows.Get(i, 0);
    if (ctx.kept_versions.count(name) > 0) continue;
    ctx.report.findings.push_back(
        {.kind = kVersionSchema,
         .object = MariadbDoctorQ(name),
         .reason = fmt::format("a version database of {} that no migration uses: neither the "
                               "active one's, the latest completed one's, nor the baseline "
                               "version",
                               MariadbDoctorQ(ctx.schema)),
         .fix_sql = versions.DropAction(name).sql});
  }
  return Status::Ok();
}

Status MariadbFindTriggers(MariadbDoctorContext& ctx) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      ctx.conn.Exec("SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS "
                    "WHERE TRIGGER_SCHEMA = " +
                    mysql::QuoteLiteral(ctx.schema) +
                    " AND TRIGGER_NAME LIKE '\\_zs\\_%' ORDER BY 1, 2"));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), name = rows.Get(i, 1);
    engine::ObjectRef ref{
        .kind = engine::kObjTrigger, .schema = ctx.schema, .table = table, .name = name};
    ZS_ASSIGN_OR_RETURN(bool ours, engine::MariadbOwnsObject(ctx.session, ref));
    if (!ours) continue;  // a user's trigger under a zeroshift-like name: not ours to report
    bool dual_writes =
        ctx.active && ctx.active->readable && ctx.active->trigger_tables.count(table) > 0;
    if (dual_writes) continue;
    ctx.report.findings.push_back(
        {.kind = kTrigger,
         .object = MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(name),
         .reason = fmt::format("zeroshift's dual-write trigger on table {} but no active "
                               "migration dual-writes that table; every write still runs it",
                               MariadbDoctorQ(table)),
         .fix_sql =
             "DROP TRIGGER IF EXISTS " + MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(name),
         .active_migration =
             ctx.active && ctx.active->Touches(table) ? ctx.active->record.name : ""});
  }
  return Status::Ok();
}

Status MariadbCheckActive(MariadbDoctorContext& ctx) {
  if (!ctx.active) return Status::Ok();
  const state::MigrationRecord& record = ctx.active->record;
  auto report = [&](std::string object, std::string reason) {
    ctx.report.findings.push_back({.kind = kActiveMigration,
                                   .object = std::move(object),
                                   .reason = std::move(reason),
                                   .active_migration = record.name});
  };
  std::string migration = fmt::format("migration \"{}\" (step {})", record.name, ctx.active->step);
  std::string quoted = mysql::QuoteLiteral(record.name);
  if (!ctx.active->readable) {
    report(quoted, fmt::format("the state row of active {} cannot be read back ({}); inspect "
                               "zeroshift.migrations by hand",
                               migration, ctx.active->unreadable_reason));
    return Status::Ok();
  }
  if (record.step == state::Step::kStarting) {
    report(quoted, fmt::format("{} stopped during expand and no zeroshift process is running it; "
                               "run `zeroshift start` again to finish it, or `zeroshift "
                               "rollback` to undo it",
                               migration));
    return Status::Ok();
  }
  if (record.step == state::Step::kCompleting || record.step == state::Step::kRollingBack) {
    const char* command = record.step == state::Step::kCompleting ? "complete" : "rollback";
    report(quoted, fmt::format("{} stopped part-way through {} and no zeroshift process is "
                               "running it; run `zeroshift {}` again to finish it",
                               migration, command, command));
    return Status::Ok();
  }
  std::string advice =
      "run `zeroshift rollback` (it skips what is already gone), then `zeroshift start` with the "
      "migration file again";
  engine::ObjectRef version{
      .kind = engine::kObjSchema, .schema = record.version_schema, .name = record.version_schema};
  ZS_ASSIGN_OR_RETURN(bool has_version, engine::MariadbOwnsObject(ctx.session, version));
  if (!has_version) {
    report(MariadbDoctorQ(record.version_schema),
           fmt::format("the version database of active {} is missing; {}", migration, advice));
  }
  const triggers::DualWriteSql& dual_write = triggers::DualWriteFor(ctx.session.backend());
  for (const auto& table : ctx.active->trigger_tables) {
    for (const auto& name : dual_write.TriggerNames(ctx.schema, table)) {
      engine::ObjectRef trigger{
          .kind = engine::kObjTrigger, .schema = ctx.schema, .table = table, .name = name};
      ZS_ASSIGN_OR_RETURN(bool present, engine::MariadbOwnsObject(ctx.session, trigger));
      if (present) continue;
      report(MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(name),
             fmt::format("the dual-write trigger of table {} of active {} is missing, so writes "
                         "are no longer kept in step between the versions; {}",
                         MariadbDoctorQ(table), migration, advice));
    }
  }
  return Status::Ok();
}

Result<Report> MariadbDiagnoseLocked(backend::Session& session, const std::string& schema) {
  MariadbDoctorContext ctx{
      .session = session, .conn = backend::MariadbConnection(session), .schema = schema};
  ctx.report.schema = schema;
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  ZS_ASSIGN_OR_RETURN(bool initialized, state->IsInitialized());
  if (initialized) {
    ZS_ASSIGN_OR_RETURN(ctx.active, detail::LoadActive(*state, schema));
    ZS_ASSIGN_OR_RETURN(auto history, state->HistoryRows(schema));
    std::string latest_done;
    for (const auto& row : history) {
      if (row.done && !row.version_schema.empty()) latest_done = row.version_schema;
    }
    if (!latest_done.empty()) ctx.kept_versions.insert(latest_done);
    ZS_ASSIGN_OR_RETURN(auto baseline, engine::BaselineVersionSchema(session, schema));
    if (baseline) ctx.kept_versions.insert(*baseline);
  }
  if (ctx.active) {
    ctx.report.active_migration = ctx.active->record.name;
    ctx.report.active_step = ctx.active->step;
    ctx.kept_versions.insert(ctx.active->record.version_schema);
  }
  ZS_RETURN_IF_ERROR(MariadbFindVersionDatabases(ctx));
  ZS_RETURN_IF_ERROR(MariadbFindTriggers(ctx));
  ZS_RETURN_IF_ERROR(MariadbCheckActive(ctx));
  return std::move(ctx.report);
}

}  // namespace

Result<Report> MariadbDiagnose(backend::Session& session, const std::string& schema) {
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  ZS_ASSIGN_OR_RETURN(bool initialized, state->IsInitialized());
  if (initialized) {
    ZS_ASSIGN_OR_RETURN(auto holder, state->SchemaLockHolder(schema));
    if (holder) {
      return Conflict(fmt::format(
          "a zeroshift command is running on database {} ({} holds its lock), so what it is "
          "building would look half-applied; run `zeroshift doctor` once it has finished",
          MariadbDoctorQ(schema), holder->Describe()));
    }
  }
  return MariadbDiagnoseLocked(session, schema);
}

Result<Report> MariadbFix(backend::Session& session, const std::string& schema,
                          const pg::RetryPolicy& policy) {
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  ZS_RETURN_IF_ERROR(state->RequireInitialized());
  ZS_RETURN_IF_ERROR(state->AcquireSchemaLock(schema));
  mysql::Connection& conn = backend::MariadbConnection(session);
  // Released whatever happens, so the caller's session can go on.
  struct Release {
    mysql::Connection& conn;
    std::string name;
    ~Release() { (void)conn.Run("DO RELEASE_LOCK(" + mysql::QuoteLiteral(name) + ")"); }
  } release{conn, backend::MariadbSchemaLockName(schema)};
  ZS_ASSIGN_OR_RETURN(Report before, MariadbDiagnoseLocked(session, schema));
  std::unique_ptr<ddl::Runner> runner = ddl::MakeRunner(session, policy);
  std::vector<Finding> fixed;
  std::vector<std::pair<Finding, std::string>> refused;
  for (const auto& finding : before.findings) {
    if (finding.fix_sql.empty()) continue;
    if (!finding.active_migration.empty()) {
      refused.emplace_back(finding,
                           fmt::format("migration \"{}\" is active; finish it with `zeroshift "
                                       "complete` or `zeroshift rollback`, then run `zeroshift "
                                       "doctor --fix` again",
                                       finding.active_migration));
      continue;
    }
    Status status = runner->Run(finding.fix_sql);
    if (status.ok()) {
      fixed.push_back(finding);
    } else {
      refused.emplace_back(finding, status.ToString());
    }
  }
  ZS_ASSIGN_OR_RETURN(Report after, MariadbDiagnoseLocked(session, schema));
  after.fixed = std::move(fixed);
  after.refused = std::move(refused);
  return after;
}

}  // namespace zs::doctor
