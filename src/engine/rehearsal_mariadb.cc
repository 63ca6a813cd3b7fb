#include "engine/rehearsal_mariadb.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/mariadb_backend.h"
#include "engine/rehearsal_internal.h"
#include "mysql/connection.h"
#include "state/state_store.h"

namespace zs::engine {

Result<std::vector<std::string>> MariadbVersionDatabases(backend::Session& session,
                                                         const std::string& schema) {
  std::vector<std::string> out;
  std::unique_ptr<state::StateStore> state = state::OpenStateStore(session);
  ZS_ASSIGN_OR_RETURN(bool initialized, state->IsInitialized());
  if (!initialized) return out;
  ZS_ASSIGN_OR_RETURN(auto rows, state->HistoryRows(schema));
  for (const auto& row : rows) {
    if (!row.version_schema.empty()) out.push_back(row.version_schema);
  }
  return out;
}

Status MariadbRehearse(backend::Session& session, const std::string& schema, const PlanInput& input,
                       const Operations& operations, const RehearsalOptions& options) {
  ZS_ASSIGN_OR_RETURN(schema::Schema base, schema::ReadSchema(session, schema));
  ZS_ASSIGN_OR_RETURN(Plan dry, rehearsal_internal::DryPlan(input, operations, base));
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> ignored, MariadbVersionDatabases(session, schema));
  ignored.push_back(input.version_schema);
  if (!input.previous_version_schema.empty()) ignored.push_back(input.previous_version_schema);
  ZS_RETURN_IF_ERROR(
      CheckDependents(session, schema, AlteredColumns(*input.migration, dry.snapshots), ignored));
  if (options.log) options.log(kMariadbNotRehearsedNote);
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, std::string>>> MariadbIndexesAndConstraintsOn(
    backend::Session& session, const std::string& schema, const std::string& table,
    const std::string& column) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  std::string db = mysql::QuoteLiteral(schema);
  std::string tb = mysql::QuoteLiteral(table);
  std::string col = mysql::QuoteLiteral(column);
  // Backticks doubled as the server stores the clause.
  std::string quoted_like = mysql::QuoteLiteral("%" + mysql::QuoteIdentifier(column) + "%");
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format(
          "SELECT 'index', INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {0} "
          "AND TABLE_NAME = {1} AND COLUMN_NAME = {2} "
          "UNION SELECT 'constraint', CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE "
          "WHERE TABLE_SCHEMA = {0} AND TABLE_NAME = {1} AND COLUMN_NAME = {2} AND "
          "REFERENCED_TABLE_NAME IS NOT NULL "
          "UNION SELECT 'constraint', CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS "
          "WHERE CONSTRAINT_SCHEMA = {0} AND TABLE_NAME = {1} AND CHECK_CLAUSE LIKE {3} "
          "ORDER BY 1, 2",
          db, tb, col, quoted_like)));
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.Get(i, 0), rows.Get(i, 1));
  return out;
}

}  // namespace zs::engine
