#include "engine/baseline_version_mariadb.h"

#include <fmt/format.h>

#include "backend/mariadb_backend.h"
#include "ddl/runner.h"
#include "engine/baseline_version.h"
#include "schema/schema.h"
#include "state/load_migration.h"
#include "state/mariadb_state_store.h"
#include "versions/mariadb_version_schema.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

std::string MariadbBaselineTable() {
  return mysql::QuoteIdentifier(state::kMariadbStateDatabase) + ".`baseline_versions`";
}

void MariadbBaselineSay(const std::function<void(const std::string&)>& log,
                        const std::string& line) {
  if (log) log(line);
}

// The comment of database `name`; nullopt when there is no such database.
Result<std::optional<std::string>> MariadbDatabaseComment(mysql::Connection& conn,
                                                          const std::string& name) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn.Exec("SELECT COALESCE(SCHEMA_COMMENT, '') FROM "
                                "information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                                mysql::QuoteLiteral(name)));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.Get(0, 0));
}

}  // namespace

Status MariadbCreateBaselineVersion(backend::Session& session, const std::string& schema,
                                    const std::string& name, const pg::RetryPolicy& retry,
                                    const std::function<void(const std::string&)>& log) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  ZS_RETURN_IF_ERROR(state->RequireInitialized());
  ZS_RETURN_IF_ERROR(state->AcquireSchemaLock(schema));
  ZS_ASSIGN_OR_RETURN(auto active, state::LoadActiveMigration(*state, schema));
  ZS_ASSIGN_OR_RETURN(std::string old, OldVersionSchema(session, schema));
  if (active) {
    MariadbBaselineSay(
        log, fmt::format("migration \"{}\" is active, so no baseline version was created; old "
                         "clients use {}",
                         active->name,
                         old.empty() ? "the tables of database " + mysql::QuoteIdentifier(schema)
                                     : "database " + mysql::QuoteIdentifier(old)));
    return Status::Ok();
  }
  if (!old.empty()) {
    MariadbBaselineSay(log, fmt::format("clients use version database {} (USE {}); it stays "
                                        "until the next migration completes",
                                        mysql::QuoteIdentifier(old), mysql::QuoteIdentifier(old)));
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(session, schema));
  if (live.tables.empty()) {
    MariadbBaselineSay(log, fmt::format("database {} has no table yet, so no baseline version "
                                        "was created",
                                        mysql::QuoteIdentifier(schema)));
    return Status::Ok();
  }
  if (name.empty()) {
    return InvalidInput("the baseline version needs a name: zeroshift init --baseline-name NAME");
  }
  const versions::VersionSql& versions = versions::VersionSqlFor(session.backend());
  std::string version = versions.VersionName(schema, name, "");
  ZS_ASSIGN_OR_RETURN(auto comment, MariadbDatabaseComment(conn, version));
  if (comment && *comment != versions::MariadbVersionComment(schema)) {
    return Conflict(fmt::format(
        "database {} already exists and zeroshift did not create it as a version of {}; "
        "choose another baseline name (zeroshift init --baseline-name NAME) or drop that "
        "database",
        mysql::QuoteIdentifier(version), mysql::QuoteIdentifier(schema)));
  }
  std::unique_ptr<ddl::Runner> runner = ddl::MakeRunner(session, retry);
  for (const auto& action :
       versions.CreateActions(live, version, static_cast<int>(conn.ServerVersion()))) {
    ZS_RETURN_IF_ERROR(runner->Run(action.sql).WithContext("creating baseline version " + version));
  }
  ZS_RETURN_IF_ERROR(conn.Run(fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (`schema` VARCHAR(64) NOT NULL PRIMARY KEY, version_schema "
      "VARCHAR(64) NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6)) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
      MariadbBaselineTable())));
  ZS_RETURN_IF_ERROR(conn.Run(fmt::format(
      "INSERT INTO {} (`schema`, version_schema) VALUES ({}, {}) ON DUPLICATE KEY UPDATE "
      "version_schema = VALUES(version_schema), created_at = UTC_TIMESTAMP(6)",
      MariadbBaselineTable(), mysql::QuoteLiteral(schema), mysql::QuoteLiteral(version))));
  MariadbBaselineSay(
      log, fmt::format("created baseline version {} ({} views); point old clients at it before "
                       "the first migration starts: USE {}; their shape then never changes "
                       "until they move to a newer version",
                       mysql::QuoteIdentifier(version), live.tables.size(),
                       mysql::QuoteIdentifier(version)));
  return Status::Ok();
}

Result<std::optional<std::string>> MariadbBaselineVersionSchema(backend::Session& session,
                                                                const std::string& schema) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows table,
      conn.Exec(fmt::format("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} AND "
                            "TABLE_NAME = 'baseline_versions'",
                            mysql::QuoteLiteral(state::kMariadbStateDatabase))));
  if (table.empty()) return std::optional<std::string>();
  std::string db = mysql::QuoteIdentifier(state::kMariadbStateDatabase);
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format(
          "SELECT b.version_schema FROM {0}.`baseline_versions` b WHERE b.`schema` = {1} AND NOT "
          "EXISTS (SELECT 1 FROM {0}.migrations m WHERE m.`schema` = b.`schema` AND m.done AND "
          "m.version_schema <> '' AND m.created_at > b.created_at)",
          db, mysql::QuoteLiteral(schema))));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.Get(0, 0));
}

}  // namespace zs::engine
