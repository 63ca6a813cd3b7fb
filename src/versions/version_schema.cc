#include "versions/version_schema.h"

#include <fmt/format.h>

#include "pg/quote.h"

namespace zs::versions {

namespace {

constexpr int kSecurityInvokerSince = 150000;

std::string ViewSql(const schema::Table& table, const std::string& base_schema,
                    const std::string& version_schema, bool security_invoker) {
  std::string select_list;
  for (const auto& column : table.columns) {
    if (!select_list.empty()) select_list += ", ";
    select_list += pg::QuoteIdent(column.physical_name);
    if (column.physical_name != column.name) select_list += " AS " + pg::QuoteIdent(column.name);
  }
  std::string view = pg::QualifiedName(version_schema, table.name);
  std::string sql = fmt::format("CREATE VIEW {}{} AS SELECT {} FROM {};", view,
                                security_invoker ? " WITH (security_invoker = true)" : "",
                                select_list, pg::QualifiedName(base_schema, table.physical_name));
  for (const auto& column : table.columns) {
    // A generated column's expression is not a default: the table computes it.
    if (!column.default_expr || column.generated) continue;
    sql += fmt::format("\nALTER VIEW {} ALTER COLUMN {} SET DEFAULT {};", view,
                       pg::QuoteIdent(column.name), *column.default_expr);
  }
  return sql;
}

}  // namespace

std::string VersionSchemaName(const std::string& schema, const std::string& migration_name,
                              const std::string& version_schema_override) {
  return schema + "_" +
         (version_schema_override.empty() ? migration_name : version_schema_override);
}

std::vector<ops::Action> CreateVersionActions(const schema::Schema& shape,
                                              const std::string& version_schema,
                                              int server_version_num) {
  std::vector<ops::Action> actions;
  actions.push_back({.id = "version:" + version_schema + ":schema",
                     .sql = fmt::format("CREATE SCHEMA {};", pg::QuoteIdent(version_schema)),
                     .lock = ops::Lock::kNone});
  bool security_invoker = server_version_num >= kSecurityInvokerSince;
  for (const auto& table : shape.tables) {
    actions.push_back({.id = "version:" + version_schema + ":view:" + table.name,
                       .sql = ViewSql(table, shape.name, version_schema, security_invoker),
                       .lock = ops::Lock::kAccessShare,
                       .table = table.physical_name});
  }
  return actions;
}

ops::Action DropVersionAction(const std::string& version_schema) {
  return {.id = "version:" + version_schema + ":drop",
          .sql = fmt::format("DROP SCHEMA IF EXISTS {} CASCADE;", pg::QuoteIdent(version_schema)),
          .lock = ops::Lock::kNone};
}

}  // namespace zs::versions
