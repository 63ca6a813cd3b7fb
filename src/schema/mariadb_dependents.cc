#include "schema/mariadb_dependents.h"

#include <algorithm>
#include <tuple>

#include "mysql/connection.h"
#include "schema/mariadb_reader.h"

namespace zs::schema {

namespace {

bool MariadbNamesColumn(const std::string& sql, const std::string& column, bool bare_too) {
  for (const MariadbName& name : MariadbNamesIn(sql)) {
    if ((name.quoted || bare_too) && MariadbSameColumnName(name.text, column)) return true;
  }
  return false;
}

bool MariadbIgnored(const std::vector<std::string>& ignored, const std::string& database) {
  return std::find(ignored.begin(), ignored.end(), database) != ignored.end();
}

// Views naming `database`.`table` and the column. LOCATE narrows the scan on
// the server (case-insensitively); the exact test is here.
Status MariadbDependentViews(mysql::Connection& conn, const std::string& database,
                             const std::string& table, const std::string& column,
                             const std::vector<std::string>& ignored, std::vector<Dependent>& out) {
  const std::string qualified =
      mysql::QuoteIdentifier(database) + "." + mysql::QuoteIdentifier(table);
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn.Exec("SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM "
                                "information_schema.VIEWS WHERE LOCATE(" +
                                mysql::QuoteLiteral(qualified) + ", VIEW_DEFINITION) > 0"));
  for (int row = 0; row < rows.size(); ++row) {
    const std::string definition = rows.Get(row, 2);
    if (MariadbIgnored(ignored, rows.Get(row, 0)) ||
        definition.find(qualified) == std::string::npos ||
        !MariadbNamesColumn(definition, column, /*bare_too=*/false)) {
      continue;
    }
    out.push_back({.kind = "view",
                   .description = "view " + mysql::QuoteIdentifier(rows.Get(row, 0)) + "." +
                                  mysql::QuoteIdentifier(rows.Get(row, 1))});
  }
  return Status::Ok();
}

Status MariadbDependentGeneratedColumns(mysql::Connection& conn, const std::string& database,
                                        const std::string& table, const std::string& column,
                                        std::vector<Dependent>& out) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, GENERATION_EXPRESSION FROM "
                "information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                mysql::QuoteLiteral(database) + " AND TABLE_NAME = " + mysql::QuoteLiteral(table) +
                " AND IS_GENERATED = 'ALWAYS'"));
  for (int row = 0; row < rows.size(); ++row) {
    if (rows.Get(row, 0) != database || rows.Get(row, 1) != table ||
        MariadbSameColumnName(rows.Get(row, 2), column) ||
        !MariadbNamesColumn(rows.Get(row, 3), column, /*bare_too=*/false)) {
      continue;
    }
    out.push_back({.kind = "generated column",
                   .description = "generated column " + mysql::QuoteIdentifier(rows.Get(row, 2))});
  }
  return Status::Ok();
}

Status MariadbDependentTriggers(mysql::Connection& conn, const std::string& database,
                                const std::string& table, const std::string& column,
                                std::vector<Dependent>& out) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec("SELECT EVENT_OBJECT_SCHEMA, EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_STATEMENT "
                "FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = " +
                mysql::QuoteLiteral(database) +
                " AND EVENT_OBJECT_TABLE = " + mysql::QuoteLiteral(table)));
  for (int row = 0; row < rows.size(); ++row) {
    const std::string name = rows.Get(row, 2);
    if (rows.Get(row, 0) != database || rows.Get(row, 1) != table ||
        name.rfind(kMariadbZeroshiftTriggerPrefix, 0) == 0 ||
        // A CHECK zeroshift enforces with triggers is a constraint of the
        // table (mariadb_reader.h), which the operations handle as such.
        rows.Get(row, 3).starts_with(kMariadbCheckTriggerLabel) ||
        !MariadbNamesColumn(rows.Get(row, 3), column, /*bare_too=*/true)) {
      continue;
    }
    out.push_back(
        {.kind = "trigger body", .description = "trigger " + mysql::QuoteIdentifier(name)});
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Dependent>> ReadMariadbColumnDependents(
    mysql::Connection& conn, const std::string& database, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_databases) {
  std::vector<Dependent> out;
  ZS_RETURN_IF_ERROR(MariadbDependentViews(conn, database, table, column, ignored_databases, out));
  ZS_RETURN_IF_ERROR(MariadbDependentGeneratedColumns(conn, database, table, column, out));
  ZS_RETURN_IF_ERROR(MariadbDependentTriggers(conn, database, table, column, out));
  std::sort(out.begin(), out.end(), [](const Dependent& a, const Dependent& b) {
    return std::tie(a.kind, a.description) < std::tie(b.kind, b.description);
  });
  return out;
}

}  // namespace zs::schema
