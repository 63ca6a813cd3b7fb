#include "engine/baseline_version.h"

#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "pg/quote.h"
#include "schema/schema.h"
#include "state/load_migration.h"
#include "state/postgres_state_store.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

// One row per schema at most. Created on first use: older state schemas lack it.
constexpr const char* kBaselineVersionsTableSql =
    "CREATE TABLE IF NOT EXISTS zeroshift.baseline_versions (schema text PRIMARY KEY, "
    "version_schema text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());";

// Until the MariaDB implementation of the baseline version exists.
Status BaselineNotImplemented(backend::Session& session, const std::string& what) {
  return Conflict(fmt::format("{} is not implemented on {} yet", what, session.backend().Name()));
}

void Say(const std::function<void(const std::string&)>& log, const std::string& line) {
  if (log) log(line);
}

}  // namespace

Status CreateBaselineVersion(backend::Session& session, const std::string& schema,
                             const std::string& name, const pg::RetryPolicy& retry,
                             const std::function<void(const std::string&)>& log) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return BaselineNotImplemented(session, "the baseline version");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  state::PostgresStateStore state(conn);
  ZS_RETURN_IF_ERROR(state.RequireInitialized());
  ZS_RETURN_IF_ERROR(state.AcquireSchemaLock(schema));
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(state, schema));
  ZS_ASSIGN_OR_RETURN(std::string old, OldVersionSchema(session, schema));
  if (active) {
    Say(log, fmt::format(
                 "migration \"{}\" is active, so no baseline version was created; old "
                 "clients use {}",
                 active->name,
                 old.empty() ? "the tables of schema \"" + schema + "\"" : "search_path " + old));
    return Status::Ok();
  }
  if (!old.empty()) {
    Say(log, fmt::format("clients use version schema {} (SET search_path TO {}); it stays until "
                         "the next migration completes",
                         old, pg::QuoteIdent(old)));
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(conn, schema));
  if (live.tables.empty()) {
    Say(log,
        fmt::format("schema \"{}\" has no table yet, so no baseline version was created", schema));
    return Status::Ok();
  }
  std::string version = versions::VersionSchemaName(schema, name, "");
  if (name.empty() || version.size() > 63) {
    return InvalidInput(fmt::format(
        "the baseline version schema \"{}\" would be {} bytes long; PostgreSQL identifiers are "
        "1 to 63 bytes: choose another baseline name (zeroshift init --baseline-name NAME)",
        version, version.size()));
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows taken,
                      conn.ExecParams("SELECT 1 FROM pg_namespace WHERE nspname = $1", {version}));
  if (!taken.empty()) {
    return Conflict(fmt::format(
        "schema \"{}\" already exists and zeroshift did not create it as a baseline version; "
        "choose another baseline name (zeroshift init --baseline-name NAME) or drop that schema",
        version));
  }
  // Views, their defaults and the record commit together: a failure leaves nothing.
  std::string sql = kBaselineVersionsTableSql;
  for (const auto& action : versions::CreateVersionActions(live, version, conn.ServerVersion())) {
    sql += "\n" + action.sql;
  }
  sql += fmt::format(
      "\nINSERT INTO zeroshift.baseline_versions (schema, version_schema) VALUES ({}, {}) ON "
      "CONFLICT (schema) DO UPDATE SET version_schema = EXCLUDED.version_schema, created_at = "
      "now();",
      pg::QuoteLiteral(schema), pg::QuoteLiteral(version));
  // Recorded by identity like every schema zeroshift creates (engine/ownership.h):
  // the first migration's complete drops it only because of this record.
  sql += fmt::format(
      "\nINSERT INTO zeroshift.created_objects (schema, migration, kind, object_schema, name, "
      "object_oid) SELECT {0}, {1}, 'schema', {2}, {2}, oid FROM pg_namespace WHERE nspname = {2} "
      "ON CONFLICT DO NOTHING;",
      pg::QuoteLiteral(schema), pg::QuoteLiteral("baseline:" + version), pg::QuoteLiteral(version));
  pg::DdlRunner runner(conn, retry);
  ZS_RETURN_IF_ERROR(runner.Run(sql).WithContext("creating baseline version " + version));
  Say(log,
      fmt::format("created baseline version {} ({} views); point old clients at it before "
                  "the first migration starts: SET search_path TO {}, {}; their shape then "
                  "never changes until they move to a newer version",
                  version, live.tables.size(), pg::QuoteIdent(version), pg::QuoteIdent(schema)));
  return Status::Ok();
}

Result<std::optional<std::string>> BaselineVersionSchema(backend::Session& session,
                                                         const std::string& schema) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return BaselineNotImplemented(session, "the baseline version");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  ZS_ASSIGN_OR_RETURN(pg::Rows table,
                      conn.Exec("SELECT to_regclass('zeroshift.baseline_versions') IS NOT NULL"));
  if (!table.GetBool(0, 0)) return std::optional<std::string>();
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(
          "SELECT b.version_schema FROM zeroshift.baseline_versions b WHERE b.schema = $1 AND "
          "NOT EXISTS (SELECT 1 FROM zeroshift.migrations m WHERE m.schema = b.schema AND "
          "m.done AND m.version_schema <> '' AND m.created_at > b.created_at)",
          {schema}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.Get(0, 0));
}

Result<std::string> PreviousVersionSchema(backend::Session& session, const std::string& schema,
                                          const std::string& name) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return BaselineNotImplemented(session, "the lookup of the previous version");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  state::PostgresStateStore state(conn);
  ZS_ASSIGN_OR_RETURN(bool initialized, state.IsInitialized());
  if (!initialized) return std::string();
  ZS_ASSIGN_OR_RETURN(auto previous, state::LoadLatestDoneMigration(state, schema));
  if (previous && previous->name == name) return std::string();
  if (previous && !previous->version_schema.empty()) return previous->version_schema;
  // Before the first migration, or after a baseline record (which has no
  // views of its own): the baseline version, when one was created.
  ZS_ASSIGN_OR_RETURN(auto baseline, BaselineVersionSchema(session, schema));
  return baseline.value_or("");
}

Result<std::string> OldVersionSchema(backend::Session& session, const std::string& schema) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return BaselineNotImplemented(session, "the lookup of the old clients' version");
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  state::PostgresStateStore state(conn);
  ZS_ASSIGN_OR_RETURN(bool initialized, state.IsInitialized());
  if (!initialized) return std::string();
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(state, schema));
  return PreviousVersionSchema(session, schema, active ? active->name : "");
}

}  // namespace zs::engine
