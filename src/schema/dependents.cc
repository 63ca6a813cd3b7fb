#include "schema/dependents.h"

#include <algorithm>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "schema/mariadb_dependents.h"

namespace zs::schema {

namespace {

// $1: the table as regclass reads it, $2: the column name.
constexpr char kDependentsQuery[] = R"sql(
WITH col AS (
  SELECT a.attrelid, a.attnum FROM pg_attribute a
  WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped
)
SELECT CASE d.classid
         WHEN 'pg_rewrite'::regclass THEN 'view'
         WHEN 'pg_attrdef'::regclass THEN 'generated column'
         WHEN 'pg_policy'::regclass THEN 'policy'
         WHEN 'pg_trigger'::regclass THEN 'trigger'
         WHEN 'pg_statistic_ext'::regclass THEN 'statistics'
         WHEN 'pg_publication_rel'::regclass THEN 'publication'
         ELSE d.classid::regclass::text END,
       pg_describe_object(d.classid, d.objid, d.objsubid),
       coalesce((SELECT n.nspname FROM pg_rewrite r JOIN pg_class v ON v.oid = r.ev_class
                 JOIN pg_namespace n ON n.oid = v.relnamespace
                 WHERE d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid), '')
FROM pg_depend d JOIN col ON d.refobjid = col.attrelid AND d.refobjsubid = col.attnum
WHERE d.refclassid = 'pg_class'::regclass AND d.deptype IN ('n', 'a')
  -- indexes and owned sequences: carried over by the swap
  AND d.classid <> 'pg_constraint'::regclass
  AND NOT (d.classid = 'pg_class'::regclass AND
           (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('i', 'I', 'S'))
  -- the column's own default
  AND NOT (d.classid = 'pg_attrdef'::regclass AND
           (SELECT adnum FROM pg_attrdef WHERE oid = d.objid) = col.attnum)
  AND NOT (d.classid = 'pg_trigger'::regclass AND
           (SELECT tgisinternal FROM pg_trigger WHERE oid = d.objid))
  -- an UPDATE OF list without a WHEN clause: the column swap copies the
  -- trigger onto the temporary column and gives it its place at complete
  AND NOT (d.classid = 'pg_trigger'::regclass AND
           (SELECT tgqual IS NULL FROM pg_trigger WHERE oid = d.objid))
  -- zeroshift's own dual-write trigger for UPDATE, whose WHEN names the
  -- columns it dual-writes (triggers/postgres_dual_write_origin.h): complete
  -- and rollback drop it before any column
  AND NOT (d.classid = 'pg_trigger'::regclass AND
           (SELECT t.tgname LIKE '~zs\_%' AND n.nspname = 'zeroshift'
            FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            JOIN pg_namespace n ON n.oid = p.pronamespace WHERE t.oid = d.objid))
ORDER BY 1, 2)sql";

}  // namespace

// The two Session overloads are the one place that picks the implementation.
Result<std::vector<Dependent>> ReadColumnDependents(
    backend::Session& session, const std::string& schema, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_schemas) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return ReadColumnDependents(backend::PostgresConnection(session), schema, table, column,
                                  ignored_schemas);
    case backend::Kind::kMariadb:
      return ReadMariadbColumnDependents(backend::MariadbConnection(session), schema, table, column,
                                         ignored_schemas);
  }
  return Internal("ReadColumnDependents: unknown backend kind");
}

Result<std::vector<std::string>> PublicationsOfAllColumns(backend::Session& session,
                                                          const std::string& schema,
                                                          const std::string& table) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return PublicationsOfAllColumns(backend::PostgresConnection(session), schema, table);
    case backend::Kind::kMariadb:
      return std::vector<std::string>{};
  }
  return Internal("PublicationsOfAllColumns: unknown backend kind");
}

Result<std::vector<Dependent>> ReadColumnDependents(
    pg::Connection& conn, const std::string& schema, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_schemas) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows, conn.ExecParams(kDependentsQuery, {pg::QualifiedName(schema, table), column}));
  std::vector<Dependent> out;
  for (int i = 0; i < rows.size(); ++i) {
    const std::string view_schema = rows.Get(i, 2);
    if (!view_schema.empty() && std::find(ignored_schemas.begin(), ignored_schemas.end(),
                                          view_schema) != ignored_schemas.end()) {
      continue;
    }
    out.push_back({.kind = rows.Get(i, 0), .description = rows.Get(i, 1)});
  }
  return out;
}

Result<std::vector<std::string>> PublicationsOfAllColumns(pg::Connection& conn,
                                                          const std::string& schema,
                                                          const std::string& table) {
  // Column lists and FOR TABLES IN SCHEMA are PostgreSQL 15's.
  bool pg15 = conn.ServerVersion() >= 150000;
  std::string sql = R"sql(
SELECT p.pubname FROM pg_publication p WHERE p.puballtables
UNION
SELECT p.pubname FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
WHERE pr.prrelid = to_regclass($1))sql";
  if (pg15) {
    sql += R"sql( AND pr.prattrs IS NULL
UNION
SELECT p.pubname FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid
WHERE pn.pnnspid = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass($1)))sql";
  }
  sql += "\nORDER BY 1";
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(sql, {pg::QualifiedName(schema, table)}));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Get(i, 0));
  return out;
}

Result<std::vector<std::string>> RecordedVersionSchemas(pg::Connection& conn) {
  ZS_ASSIGN_OR_RETURN(pg::Rows exists,
                      conn.Exec("SELECT to_regclass('zeroshift.migrations') IS NOT NULL"));
  std::vector<std::string> out;
  if (!exists.GetBool(0, 0)) return out;
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn.Exec("SELECT DISTINCT version_schema FROM zeroshift.migrations"));
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Get(i, 0));
  return out;
}

std::string AdviceFor(const Dependent& dependent) {
  const std::string& kind = dependent.kind;
  if (kind == "view") {
    return "drop the view before the migration and create it again after complete";
  }
  if (kind == "generated column") {
    return "drop the generated column first, or change both with an `sql` operation";
  }
  if (kind == "policy") {
    return "drop the policy before the migration and create it again after complete";
  }
  if (kind == "trigger") {
    return "drop the trigger (its WHEN clause names the column) before the "
           "migration and create it again after complete";
  }
  if (kind == "trigger body") {
    return "drop the trigger (its body names the column, and once the column is dropped every "
           "write to the table fails) before the migration and create it again after complete";
  }
  if (kind == "statistics") {
    return "DROP STATISTICS before the migration and CREATE STATISTICS again after complete";
  }
  if (kind == "publication") {
    return "remove the column from the publication's column list (ALTER PUBLICATION ... SET "
           "TABLE) before the migration and add it back after complete";
  }
  return "drop it before the migration and create it again after complete";
}

}  // namespace zs::schema
