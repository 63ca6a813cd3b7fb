#include "doctor/doctor.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <thread>

#include "backend/postgres_backend.h"
#include "doctor/doctor_context.h"
#include "doctor/doctor_mariadb.h"
#include "pg/session.h"
#include "state/postgres_state_store.h"

namespace zs::doctor {

namespace {

using detail::Context;
using detail::LoadActive;

// A zeroshift command that has just exited still shows its advisory lock for
// the few milliseconds its backend takes to end; look again for a second
// before calling the lock taken.
constexpr int kLockChecks = 20;
constexpr std::chrono::milliseconds kLockCheckInterval{50};

Result<Report> DiagnoseLocked(pg::Connection& conn, const std::string& schema) {
  Context ctx{.conn = conn, .schema = schema};
  ctx.report.schema = schema;
  state::PostgresStateStore state(conn);
  ZS_ASSIGN_OR_RETURN(ctx.initialized, state.IsInitialized());
  if (ctx.initialized) {
    ZS_ASSIGN_OR_RETURN(pg::Rows tracked,
                        conn.Exec("SELECT to_regclass('zeroshift.created_objects') IS NOT NULL"));
    ctx.tracked = tracked.GetBool(0, 0);
    ZS_ASSIGN_OR_RETURN(ctx.active, LoadActive(state, schema));
    ZS_ASSIGN_OR_RETURN(ctx.history, state.HistoryRows(schema));
    // A baseline has no version schema, so no complete after it drops the
    // one before it: that one stays the latest.
    for (const auto& record : ctx.history) {
      if (record.done && !record.version_schema.empty()) ctx.latest_done = record.version_schema;
    }
  }
  if (ctx.active) {
    ctx.report.active_migration = ctx.active->record.name;
    ctx.report.active_step = ctx.active->step;
  }
  // In the order Fix runs them: a stray version's views hold on to the
  // columns they show, and a trigger to the columns its function assigns.
  ZS_RETURN_IF_ERROR(FindVersionSchemas(ctx));
  ZS_RETURN_IF_ERROR(FindTriggers(ctx));
  ZS_RETURN_IF_ERROR(FindOrphanFunctions(ctx));
  ZS_RETURN_IF_ERROR(FindConstraints(ctx));
  ZS_RETURN_IF_ERROR(FindTemporaryColumns(ctx));
  ZS_RETURN_IF_ERROR(FindIndexes(ctx));
  ZS_RETURN_IF_ERROR(FindBackfillRows(ctx));
  ZS_RETURN_IF_ERROR(CheckActive(ctx));
  return std::move(ctx.report);
}

// The schema's advisory lock (StateStore::AcquireSchemaLock), released when
// the guard goes out of scope so that a caller's connection can go on to
// run the engine.
class SchemaLock {
 public:
  static Result<std::unique_ptr<SchemaLock>> Acquire(pg::Connection& conn,
                                                     const std::string& schema) {
    state::PostgresStateStore state(conn);
    Status acquired = state.AcquireSchemaLock(schema);
    for (int check = 1; acquired.code() == Code::kConflict && check < kLockChecks; ++check) {
      std::this_thread::sleep_for(kLockCheckInterval);
      acquired = state.AcquireSchemaLock(schema);
    }
    ZS_RETURN_IF_ERROR(acquired);
    return std::unique_ptr<SchemaLock>(new SchemaLock(conn, schema));
  }
  ~SchemaLock() {
    (void)conn_.RunParams("SELECT pg_advisory_unlock(hashtext('zeroshift:' || $1))", {schema_});
  }
  SchemaLock(const SchemaLock&) = delete;
  SchemaLock& operator=(const SchemaLock&) = delete;

 private:
  SchemaLock(pg::Connection& conn, std::string schema) : conn_(conn), schema_(std::move(schema)) {}
  pg::Connection& conn_;
  std::string schema_;
};

}  // namespace

Result<Report> Diagnose(pg::Connection& conn, const std::string& schema) {
  // The caller's session may name any schema first; a function there that
  // shadows a built-in doctor calls would run as zeroshift (SAFETY.md).
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(schema)));
  state::PostgresStateStore state(conn);
  bool running = true;
  for (int check = 0; running && check < kLockChecks; ++check) {
    if (check > 0) std::this_thread::sleep_for(kLockCheckInterval);
    ZS_ASSIGN_OR_RETURN(running, state.SchemaLockHeldElsewhere(schema));
  }
  if (running) {
    return Conflict(fmt::format(
        "a zeroshift command is running on schema \"{}\" (it holds the advisory lock), so what "
        "it is building would look half-applied; run `zeroshift doctor` once it has finished",
        schema));
  }
  return DiagnoseLocked(conn, schema);
}

Result<Report> Fix(pg::Connection& conn, const std::string& schema, const pg::RetryPolicy& policy) {
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(schema)));
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<SchemaLock> lock, SchemaLock::Acquire(conn, schema));
  state::PostgresStateStore state(conn);
  ZS_ASSIGN_OR_RETURN(bool initialized, state.IsInitialized());
  if (initialized) ZS_RETURN_IF_ERROR(state.Upgrade());
  ZS_ASSIGN_OR_RETURN(Report before, DiagnoseLocked(conn, schema));
  pg::DdlRunner runner(conn, policy);
  std::vector<Finding> fixed;
  std::vector<std::pair<Finding, std::string>> refused;
  for (const auto& finding : before.findings) {
    if (finding.fix_sql.empty()) continue;  // reported again below: a person decides
    if (!finding.active_migration.empty()) {
      refused.emplace_back(
          finding, fmt::format("migration {} is active and this object may be its own; "
                               "finish it with `zeroshift complete` or `zeroshift rollback`, "
                               "then run `zeroshift doctor --fix` again",
                               finding.active_migration.starts_with("\"")
                                   ? finding.active_migration
                                   : "\"" + finding.active_migration + "\""));
      continue;
    }
    Status status = runner.Run(finding.fix_sql, {.concurrently = finding.concurrently});
    if (status.ok()) {
      fixed.push_back(finding);
    } else {
      refused.emplace_back(finding, status.ToString());
    }
  }
  ZS_ASSIGN_OR_RETURN(Report after, DiagnoseLocked(conn, schema));
  after.fixed = std::move(fixed);
  after.refused = std::move(refused);
  return after;
}

// The one place that picks the implementation.
Result<Report> Diagnose(backend::Session& session, const std::string& schema) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return Diagnose(backend::PostgresConnection(session), schema);
    case backend::Kind::kMariadb:
      return MariadbDiagnose(session, schema);
  }
  return Internal("unknown backend");
}

Result<Report> Fix(backend::Session& session, const std::string& schema,
                   const pg::RetryPolicy& policy) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return Fix(backend::PostgresConnection(session), schema, policy);
    case backend::Kind::kMariadb:
      return MariadbFix(session, schema, policy);
  }
  return Internal("unknown backend");
}

}  // namespace zs::doctor
