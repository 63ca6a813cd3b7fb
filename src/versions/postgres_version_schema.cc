#include "versions/postgres_version_schema.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/postgres_backend.h"
#include "ops/names.h"
#include "pg/quote.h"
#include "versions/version_schema.h"

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

// A dollar-quote tag that does not occur in `body`.
std::string DollarTag(const std::string& body) {
  std::string tag = "$zs$";
  for (int i = 0; body.find(tag) != std::string::npos; ++i) tag = fmt::format("$zs{}$", i);
  return tag;
}

// The grantee of an aclexplode() row as GRANT spells it.
constexpr const char* kGranteeSql =
    "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END";

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

std::string CopyGrantsSql(const schema::Table& table, const std::string& base_schema,
                          const std::string& version_schema) {
  std::string physical_table = pg::QualifiedName(base_schema, table.physical_name);
  std::string view = pg::QualifiedName(version_schema, table.name);
  // (physical column, view column) pairs; a temporary column first takes the
  // column grants of the column it stands in for, so that a role granted
  // UPDATE (email) may write the new version's email, and keeps the grant
  // when the temporary column takes the old one's name at complete.
  std::string pairs, temporaries;
  for (const auto& column : table.columns) {
    pairs += fmt::format("{}({}, {})", pairs.empty() ? "" : ", ",
                         pg::QuoteLiteral(column.physical_name), pg::QuoteLiteral(column.name));
    const std::string prefix = ops::TemporaryColumnName("");
    if (column.physical_name.rfind(prefix, 0) == 0) {
      temporaries += fmt::format("{}({}, {})", temporaries.empty() ? "" : ", ",
                                 pg::QuoteLiteral(column.physical_name.substr(prefix.size())),
                                 pg::QuoteLiteral(column.physical_name));
    }
  }
  std::string body = fmt::format(
      R"(
DECLARE
  g record;
  tbl pg_catalog.regclass := pg_catalog.to_regclass({table});
BEGIN
  IF tbl IS NULL THEN RETURN; END IF;
  -- column grants of each old column onto its temporary column
  FOR g IN SELECT a.privilege_type, {grantee} AS grantee, a.is_grantable, m.temp_column
           FROM (VALUES {temporaries}) AS m(old_column, temp_column)
           JOIN pg_catalog.pg_attribute att ON att.attrelid = tbl AND att.attname = m.old_column
           CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) AS a
           LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
           WHERE a.grantee <> (SELECT relowner FROM pg_catalog.pg_class WHERE oid = tbl) LOOP
    EXECUTE pg_catalog.format('GRANT %s (%I) ON %s TO %s%s', g.privilege_type, g.temp_column, tbl,
                              g.grantee, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  -- a partition has no view of its own (its parent's serves it)
  IF pg_catalog.to_regclass({view}) IS NULL THEN RETURN; END IF;
  -- table grants
  FOR g IN SELECT a.privilege_type, {grantee} AS grantee, a.is_grantable
           FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS a
           LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
           WHERE c.oid = tbl AND a.grantee <> c.relowner LOOP
    EXECUTE pg_catalog.format('GRANT %s ON %s TO %s%s', g.privilege_type, {view}, g.grantee,
                              CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', {schema}, g.grantee);
  END LOOP;
  -- column grants, under the names the version shows
  FOR g IN SELECT a.privilege_type, {grantee} AS grantee, a.is_grantable, m.view_column
           FROM (VALUES {pairs}) AS m(physical_column, view_column)
           JOIN pg_catalog.pg_attribute att ON att.attrelid = tbl AND att.attname = m.physical_column
           CROSS JOIN LATERAL pg_catalog.aclexplode(att.attacl) AS a
           LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
           WHERE a.grantee <> (SELECT relowner FROM pg_catalog.pg_class WHERE oid = tbl) LOOP
    EXECUTE pg_catalog.format('GRANT %s (%I) ON %s TO %s%s', g.privilege_type, g.view_column,
                              {view}, g.grantee, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', {schema}, g.grantee);
  END LOOP;
END
)",
      fmt::arg("table", pg::QuoteLiteral(physical_table)), fmt::arg("grantee", kGranteeSql),
      fmt::arg("temporaries", temporaries.empty() ? "(NULL::pg_catalog.name, NULL::pg_catalog.name)"
                                                  : temporaries),
      fmt::arg("pairs", pairs.empty() ? "(NULL::pg_catalog.name, NULL::pg_catalog.name)" : pairs),
      fmt::arg("view", pg::QuoteLiteral(view)),
      fmt::arg("schema", pg::QuoteLiteral(version_schema)));
  std::string tag = DollarTag(body);
  return fmt::format("DO {0}{1}{0};", tag, body);
}

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
                       .sql = sql + "\n" + CopyGrantsSql(table, shape.name, version_schema),
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

namespace {

class PostgresVersionSql final : public VersionSql {
 public:
  std::string VersionName(const std::string& schema, const std::string& migration_name,
                          const std::string& version_schema_override) const override {
    return VersionSchemaName(schema, migration_name, version_schema_override);
  }
  Status CheckName(const std::string& version, const std::string& migration) const override {
    const size_t limit = backend::Postgres().MaxIdentifierBytes();
    if (version.size() <= limit) return Status::Ok();
    return InvalidInput(fmt::format(
        "{}: the version schema \"{}\" would be {} bytes long; PostgreSQL identifiers are at most "
        "{} bytes: give the migration a shorter `name`, or set a shorter `version_schema`",
        migration, version, version.size(), limit));
  }
  std::vector<ops::Action> CreateActions(const schema::Schema& shape, const std::string& version,
                                         int server_version_num) const override {
    return CreateVersionActions(shape, version, server_version_num);
  }
  std::string CopyGrantsSql(const schema::Table& table, const std::string& base_schema,
                            const std::string& version) const override {
    return versions::CopyGrantsSql(table, base_schema, version);
  }
  ops::Action DropAction(const std::string& version) const override {
    return DropVersionAction(version);
  }
};

}  // namespace

const VersionSql& PostgresVersions() {
  static const PostgresVersionSql instance;
  return instance;
}

}  // namespace zs::versions
