#include "doctor/doctor_mariadb.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "backend/mariadb_backend.h"
#include "ddl/runner.h"
#include "doctor/doctor_context.h"
#include "doctor/doctor_mariadb_server.h"
#include "engine/baseline_version.h"
#include "engine/ownership_mariadb.h"
#include "engine/ownership_mariadb_records.h"
#include "mysql/connection.h"
#include "state/mariadb_state_store.h"
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
  std::string state_database;  // where created_objects is (state::MariadbStateStore)
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

// The active migration's complete or rollback actions on `table` name
// column `name` (backquoted, as MariaDB's SQL writes it).
bool MariadbActiveNames(const detail::ActiveMigration& active, const std::string& table,
                        const std::string& name) {
  std::string quoted = mysql::QuoteIdentifier(name);
  return std::any_of(active.actions.begin(), active.actions.end(), [&](const ops::Action& action) {
    return action.table == table && action.sql.find(quoted) != std::string::npos;
  });
}

// `_zs_` columns of the database's tables (temporary columns and the
// dual-write marker: engine/ownership_mariadb.h) that no active migration
// will drop at complete or rollback.
Status MariadbFindColumns(MariadbDoctorContext& ctx) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      ctx.conn.Exec("SELECT c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.COLUMNS c JOIN "
                    "information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
                    "t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE' WHERE "
                    "c.TABLE_SCHEMA = " +
                    mysql::QuoteLiteral(ctx.schema) +
                    " AND c.COLUMN_NAME LIKE '\\_zs\\_%' ORDER BY 1, c.ORDINAL_POSITION"));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), name = rows.Get(i, 1);
    if (ctx.active && ctx.active->readable && MariadbActiveNames(*ctx.active, table, name)) {
      continue;  // the active migration's complete or rollback drops it
    }
    std::string qualified = MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(table);
    ctx.report.findings.push_back(
        {.kind = kTemporaryColumn,
         .object = qualified + "." + MariadbDoctorQ(name),
         .reason = fmt::format("a column zeroshift adds during a migration (named `_zs_...`) on "
                               "table {}, but no active migration will drop it; every write "
                               "still carries it",
                               qualified),
         .fix_sql = fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}, ALGORITHM=INSTANT",
                                qualified, MariadbDoctorQ(name)),
         .active_migration =
             ctx.active && ctx.active->Touches(table) ? ctx.active->record.name : ""});
  }
  return Status::Ok();
}

// Whether `database` exists / trigger `name` exists in ctx.schema, whoever
// made it: an object the state says is zeroshift's may be there without
// zeroshift's marker (re-created by hand, or by a tool that copied it).
Result<bool> MariadbDoctorDatabaseExists(MariadbDoctorContext& ctx, const std::string& database) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      ctx.conn.Exec("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
                                    "= " +
                                    mysql::QuoteLiteral(database)));
  return !rows.empty();
}

Result<bool> MariadbDoctorTriggerExists(MariadbDoctorContext& ctx, const std::string& name) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      ctx.conn.Exec("SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
                    mysql::QuoteLiteral(ctx.schema) +
                    " AND TRIGGER_NAME = " + mysql::QuoteLiteral(name)));
  return !rows.empty();
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
    ZS_ASSIGN_OR_RETURN(bool exists, MariadbDoctorDatabaseExists(ctx, record.version_schema));
    if (exists) {
      ctx.report.findings.push_back(
          {.kind = kUnmarkedObject,
           .object = MariadbDoctorQ(record.version_schema),
           .reason = fmt::format(
               "the version database of active {} exists but does not carry zeroshift's "
               "comment ({}), so it was re-created by someone else and zeroshift will neither "
               "trust nor drop it; check what it holds, drop it by hand if nothing else uses "
               "it, then {}",
               migration, mysql::QuoteLiteral(versions::MariadbVersionComment(ctx.schema)), advice),
           .active_migration = record.name});
    } else {
      report(MariadbDoctorQ(record.version_schema),
             fmt::format("the version database of active {} is missing; {}", migration, advice));
    }
  }
  const triggers::DualWriteSql& dual_write = triggers::DualWriteFor(ctx.session.backend());
  for (const auto& table : ctx.active->trigger_tables) {
    for (const auto& name : dual_write.TriggerNames(ctx.schema, table)) {
      engine::ObjectRef trigger{
          .kind = engine::kObjTrigger, .schema = ctx.schema, .table = table, .name = name};
      ZS_ASSIGN_OR_RETURN(bool present, engine::MariadbOwnsObject(ctx.session, trigger));
      if (present) continue;
      ZS_ASSIGN_OR_RETURN(bool exists, MariadbDoctorTriggerExists(ctx, name));
      if (exists) {
        ctx.report.findings.push_back(
            {.kind = kUnmarkedObject,
             .object = MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(name),
             .reason = fmt::format(
                 "the dual-write trigger of table {} of active {} has zeroshift's name but not "
                 "its body (no `zs_dual_write:` label): someone replaced it, so writes are not "
                 "kept in step between the versions; {}",
                 MariadbDoctorQ(table), migration, advice),
             .active_migration = record.name});
        continue;
      }
      report(MariadbDoctorQ(ctx.schema) + "." + MariadbDoctorQ(name),
             fmt::format("the dual-write trigger of table {} of active {} is missing, so writes "
                         "are no longer kept in step between the versions; {}",
                         MariadbDoctorQ(table), migration, advice));
    }
  }
  return Status::Ok();
}

// `object` of `ref`, quoted as the other findings': `db`.`table`.`name`,
// `db`.`table` for a table, `db`.`trigger`, `database`.
std::string MariadbDoctorObject(const engine::ObjectRef& ref) {
  if (ref.kind == engine::kObjSchema) return MariadbDoctorQ(ref.name);
  if (ref.kind == engine::kObjTable || ref.kind == engine::kObjTrigger || ref.table.empty()) {
    return MariadbDoctorQ(ref.schema) + "." + MariadbDoctorQ(ref.name);
  }
  return MariadbDoctorQ(ref.schema) + "." + MariadbDoctorQ(ref.table) + "." +
         MariadbDoctorQ(ref.name);
}

// The active migration's records the catalog disagrees with: an object start
// recorded creating that is missing or replaced. The same facts, in the same
// words, as `status` (engine/ownership_mariadb_records.h), and only in the
// steps where status checks them: part-way through complete or rollback, the
// objects are meant to be going. Report only: what to do is a command.
Status MariadbFindRecordDisagreements(MariadbDoctorContext& ctx) {
  if (!ctx.active || !ctx.active->readable) return Status::Ok();
  const state::MigrationRecord& record = ctx.active->record;
  if (record.step != state::Step::kStarting && record.step != state::Step::kBackfilling &&
      record.step != state::Step::kActive) {
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(
      std::vector<engine::MariadbRecordDisagreement> disagreements,
      engine::MariadbRecordDisagreements(
          ctx.conn,
          {.state_database = ctx.state_database, .schema = ctx.schema, .migration = record.name}));
  for (const auto& d : disagreements) {
    ctx.report.findings.push_back(
        {.kind = kRecordedObject,
         .object = MariadbDoctorObject(d.record.ref),
         .reason = engine::MariadbDisagreementText(d, record.name, ctx.active->step),
         .active_migration = record.name});
  }
  return Status::Ok();
}

Result<Report> MariadbDiagnoseLocked(backend::Session& session, const std::string& schema,
                                     const MariadbDoctorOptions& options) {
  MariadbDoctorContext ctx{
      .session = session, .conn = backend::MariadbConnection(session), .schema = schema};
  ctx.report.schema = schema;
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  const auto* mariadb_state = dynamic_cast<const state::MariadbStateStore*>(state.get());
  ctx.state_database =
      mariadb_state == nullptr ? state::kMariadbStateDatabase : mariadb_state->database();
  ZS_ASSIGN_OR_RETURN(bool initialized, state->IsInitialized());
  if (initialized) {
    ZS_ASSIGN_OR_RETURN(ctx.active, detail::LoadActive(*state, schema, session.backend()));
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
  // After the triggers: a stray trigger reads the marker column, and a
  // write fails once the column it reads is gone.
  ZS_RETURN_IF_ERROR(MariadbFindColumns(ctx));
  ZS_RETURN_IF_ERROR(MariadbCheckActive(ctx));
  ZS_RETURN_IF_ERROR(MariadbFindRecordDisagreements(ctx));
  // What would stall or mislead the next zeroshift command
  // (doctor_mariadb_server.cc); report only.
  ZS_RETURN_IF_ERROR(detail::MariadbCheckServer(session, schema, options, ctx.report));
  return std::move(ctx.report);
}

}  // namespace

Result<Report> MariadbDiagnose(backend::Session& session, const std::string& schema,
                               const MariadbDoctorOptions& options) {
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
  return MariadbDiagnoseLocked(session, schema, options);
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
  ZS_ASSIGN_OR_RETURN(Report before, MariadbDiagnoseLocked(session, schema, {}));
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
  ZS_ASSIGN_OR_RETURN(Report after, MariadbDiagnoseLocked(session, schema, {}));
  after.fixed = std::move(fixed);
  after.refused = std::move(refused);
  return after;
}

}  // namespace zs::doctor
