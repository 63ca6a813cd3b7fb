#include "versions/version_schema.h"

#include <fmt/format.h>

#include <algorithm>

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

// A partition is read like any table, but the operations change its parent:
// a view of the partition would show the old shape (an alter_column's old
// column, which `down` then overwrites on every write through it) and would
// hold on to the column complete drops. So when the shape has a partitioned
// table, each plain table's view is created only if the table is not a
// partition (known from the catalog when the action runs); clients of the
// new version reach a partition's rows through its parent's view.
std::string UnlessPartition(const schema::Table& table, const std::string& base_schema,
                            const std::string& sql) {
  std::string body = fmt::format(
      "\nBEGIN\n  IF NOT coalesce((SELECT relispartition FROM pg_class WHERE oid = "
      "to_regclass({})), false) THEN\n    EXECUTE {};\n  END IF;\nEND\n",
      pg::QuoteLiteral(pg::QualifiedName(base_schema, table.physical_name)), pg::QuoteLiteral(sql));
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return "DO " + tag + body + tag + ";";
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
  bool has_partitions = std::any_of(shape.tables.begin(), shape.tables.end(),
                                    [](const schema::Table& t) { return t.partitioned; });
  for (const auto& table : shape.tables) {
    std::string sql = ViewSql(table, shape.name, version_schema, security_invoker);
    if (has_partitions && !table.partitioned) sql = UnlessPartition(table, shape.name, sql);
    actions.push_back({.id = "version:" + version_schema + ":view:" + table.name,
                       .sql = sql,
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
