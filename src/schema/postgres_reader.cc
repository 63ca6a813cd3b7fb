// The PostgreSQL catalog reader: ReadSchema(pg::Connection&, ...) of
// schema.h, four queries for the whole schema, assembled by table oid.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pg/connection.h"
#include "schema/schema.h"

namespace zs::schema {

using nlohmann::json;

namespace {

// Every query selects the table's oid first and filters on $1 = schema name.
constexpr char kTablesQuery[] = R"sql(
SELECT c.oid, c.relname, c.relkind = 'p', obj_description(c.oid, 'pg_class'),
       c.relreplident::text, (SELECT ic.relname FROM pg_index i JOIN pg_class ic
                              ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname COLLATE "C")sql";

// For a generated column, pg_attrdef holds the generation expression, which
// is then reported as default_expr (with generated = true).
constexpr char kColumnsQuery[] = R"sql(
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '', a.attidentity::text,
       col_description(a.attrelid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum)sql";

// Column lists come back as JSON arrays so that names needing quotes survive.
// NOT NULL constraints (contype 'n', PostgreSQL 18+) are skipped: a column's
// nullable flag already says it.
constexpr char kConstraintsQuery[] = R"sql(
SELECT con.conrelid, con.conname, con.contype::text, pg_get_constraintdef(con.oid),
       con.convalidated,
       to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                     ORDER BY k.ord))::text
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND con.contype <> 'n'
ORDER BY con.conrelid, con.conname COLLATE "C")sql";

// Key columns only (not INCLUDE columns); an expression key (attnum 0) makes
// the column list empty.
constexpr char kIndexesQuery[] = R"sql(
SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, i.indisvalid,
       pg_get_indexdef(i.indexrelid),
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN '[]' ELSE
       to_json(ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                     WHERE k.ord <= i.indnkeyatts ORDER BY k.ord))::text END
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY i.indrelid, ic.relname COLLATE "C")sql";

using TablesByOid = std::unordered_map<std::string, Table*>;

Result<std::vector<std::string>> ParseNameArray(const std::string& text) {
  json names = json::parse(text, nullptr, false);
  if (names.is_discarded() || !names.is_array()) {
    return Internal("unexpected column list from the catalogs: " + text);
  }
  std::vector<std::string> result;
  for (const json& name : names) {
    if (!name.is_string()) return Internal("unexpected column list from the catalogs: " + text);
    result.push_back(name.get<std::string>());
  }
  return result;
}

// Finds the table a catalog row belongs to. A miss means the table appeared
// between two queries (no snapshot across them); such rows are ignored.
Table* Owner(const TablesByOid& tables, const pg::Rows& rows, int row) {
  auto it = tables.find(rows.Get(row, 0));
  return it == tables.end() ? nullptr : it->second;
}

// Fills schema.tables and returns them by oid.
// REQUIRES: schema.tables is not resized afterwards (the map points into it).
Result<TablesByOid> ReadTables(pg::Connection& conn, const std::string& schema_name,
                               Schema& schema) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kTablesQuery, {schema_name}));
  for (int row = 0; row < rows.size(); ++row) {
    Table table;
    table.name = table.physical_name = rows.Get(row, 1);
    table.partitioned = rows.GetBool(row, 2);
    table.comment = rows.GetOptional(row, 3);
    table.replica_identity = rows.Get(row, 4);
    table.replica_identity_index = rows.Get(row, 5);
    schema.tables.push_back(std::move(table));
  }
  TablesByOid by_oid;
  for (int row = 0; row < rows.size(); ++row) by_oid.emplace(rows.Get(row, 0), &schema.tables[row]);
  return by_oid;
}

Status ReadColumns(pg::Connection& conn, const std::string& schema_name,
                   const TablesByOid& tables) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kColumnsQuery, {schema_name}));
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = Owner(tables, rows, row);
    if (table == nullptr) continue;
    Column column;
    column.name = column.physical_name = rows.Get(row, 1);
    column.type = rows.Get(row, 2);
    column.nullable = rows.GetBool(row, 3);
    column.default_expr = rows.GetOptional(row, 4);
    column.generated = rows.GetBool(row, 5);
    column.identity = rows.Get(row, 6);
    column.comment = rows.GetOptional(row, 7);
    table->columns.push_back(std::move(column));
  }
  return Status::Ok();
}

Status ReadConstraints(pg::Connection& conn, const std::string& schema_name,
                       const TablesByOid& tables) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kConstraintsQuery, {schema_name}));
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = Owner(tables, rows, row);
    if (table == nullptr) continue;
    Constraint constraint;
    constraint.name = rows.Get(row, 1);
    std::string type = rows.Get(row, 2);
    constraint.type = type.empty() ? '?' : type[0];
    constraint.definition = rows.Get(row, 3);
    constraint.validated = rows.GetBool(row, 4);
    ZS_ASSIGN_OR_RETURN(constraint.columns, ParseNameArray(rows.Get(row, 5)));
    if (constraint.type == 'p') table->primary_key = constraint.columns;
    table->constraints.push_back(std::move(constraint));
  }
  return Status::Ok();
}

Status ReadIndexes(pg::Connection& conn, const std::string& schema_name,
                   const TablesByOid& tables) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kIndexesQuery, {schema_name}));
  for (int row = 0; row < rows.size(); ++row) {
    Table* table = Owner(tables, rows, row);
    if (table == nullptr) continue;
    Index index;
    index.name = rows.Get(row, 1);
    index.unique = rows.GetBool(row, 2);
    index.primary = rows.GetBool(row, 3);
    index.valid = rows.GetBool(row, 4);
    index.definition = rows.Get(row, 5);
    ZS_ASSIGN_OR_RETURN(index.columns, ParseNameArray(rows.Get(row, 6)));
    table->indexes.push_back(std::move(index));
  }
  return Status::Ok();
}

}  // namespace

Result<Schema> ReadSchema(pg::Connection& conn, const std::string& schema_name) {
  Schema schema;
  schema.name = schema_name;
  ZS_ASSIGN_OR_RETURN(TablesByOid tables, ReadTables(conn, schema_name, schema));
  ZS_RETURN_IF_ERROR(ReadColumns(conn, schema_name, tables));
  ZS_RETURN_IF_ERROR(ReadConstraints(conn, schema_name, tables));
  ZS_RETURN_IF_ERROR(ReadIndexes(conn, schema_name, tables));
  return schema;
}

}  // namespace zs::schema
