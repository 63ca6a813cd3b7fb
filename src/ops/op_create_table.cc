#include "ops/op_create_table.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/column_sql.h"
#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

std::vector<std::string> PrimaryKeyColumns(const migration::OpCreateTable& op) {
  std::vector<std::string> pk;
  for (const auto& column : op.columns) {
    if (column.pk) pk.push_back(column.name);
  }
  return pk;
}

std::string IndexParametersSql(const std::optional<migration::IndexParameters>& params) {
  if (!params) return "";
  std::string sql;
  if (!params->include_columns.empty()) {
    sql += " INCLUDE (" + pg::QuoteIdentList(params->include_columns) + ")";
  }
  if (!params->storage_parameters.empty()) sql += " WITH (" + params->storage_parameters + ")";
  if (!params->tablespace.empty()) {
    sql += " USING INDEX TABLESPACE " + pg::QuoteIdent(params->tablespace);
  }
  return sql;
}

std::string DeferrableSql(const migration::Constraint& c) {
  std::string sql;
  if (c.deferrable) sql += " DEFERRABLE";
  if (c.initially_deferred) sql += " INITIALLY DEFERRED";
  return sql;
}

std::string TableConstraintSql(const std::string& schema, const migration::Constraint& c) {
  std::string sql = "CONSTRAINT " + pg::QuoteIdent(c.name) + " ";
  if (c.type == "check") {
    return sql + "CHECK (" + c.check + ")" + (c.no_inherit ? " NO INHERIT" : "");
  }
  if (c.type == "unique") {
    return sql + "UNIQUE" + (c.nulls_not_distinct ? " NULLS NOT DISTINCT" : "") + " (" +
           pg::QuoteIdentList(c.columns) + ")" + IndexParametersSql(c.index_parameters) +
           DeferrableSql(c);
  }
  if (c.type == "primary_key") {
    return sql + "PRIMARY KEY (" + pg::QuoteIdentList(c.columns) + ")" +
           IndexParametersSql(c.index_parameters) + DeferrableSql(c);
  }
  if (c.type == "foreign_key") {
    const auto& ref = *c.references;
    sql += fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", pg::QuoteIdentList(c.columns),
                       pg::QualifiedName(schema, ref.table), pg::QuoteIdentList(ref.columns));
    if (ref.match_type != "SIMPLE") sql += " MATCH " + ref.match_type;
    sql += " ON DELETE " + ref.on_delete;
    if (!ref.on_delete_set_columns.empty()) {
      sql += " (" + pg::QuoteIdentList(ref.on_delete_set_columns) + ")";
    }
    return sql + " ON UPDATE " + ref.on_update + DeferrableSql(c);
  }
  // exclude
  const auto& ex = *c.exclude;
  sql += "EXCLUDE" + (ex.index_method.empty() ? "" : " USING " + ex.index_method) + " (" +
         ex.elements + ")" + IndexParametersSql(c.index_parameters);
  if (!ex.predicate.empty()) sql += " WHERE (" + ex.predicate + ")";
  return sql + DeferrableSql(c);
}

std::string ColumnSql(const std::string& schema, const migration::Column& column, bool single_pk) {
  std::string sql = ColumnTypeAndDefaultSql(column);
  if (!column.nullable && !column.pk) sql += " NOT NULL";
  if (column.pk && single_pk) sql += " PRIMARY KEY";
  if (column.unique) sql += " UNIQUE";
  if (column.check) {
    sql += fmt::format(" CONSTRAINT {} CHECK ({})", pg::QuoteIdent(column.check->name),
                       column.check->constraint);
    if (column.check->no_inherit) sql += " NO INHERIT";
  }
  if (column.references) {
    sql += " CONSTRAINT " + pg::QuoteIdent(column.references->name) + " " +
           ReferencesSql(schema, *column.references);
  }
  return sql;
}

// pg_constraint.contype of a create_table constraint type.
char ConstraintType(const std::string& type) {
  if (type == "check") return 'c';
  if (type == "primary_key") return 'p';
  if (type == "foreign_key") return 'f';
  if (type == "exclude") return 'x';
  return 'u';
}

}  // namespace

Status CreateTable::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.name, "table name"));
  if (ctx.before->FindTable(op_.name) != nullptr) {
    return Conflict(
        fmt::format("{}: table \"{}\" already exists; choose another name or drop it first",
                    ctx.where, op_.name));
  }
  if (op_.columns.empty()) {
    return InvalidInput(fmt::format("{}: table \"{}\" has no columns", ctx.where, op_.name));
  }
  std::vector<std::string> seen;
  for (const auto& column : op_.columns) {
    std::string what = fmt::format("{} table \"{}\"", ctx.where, op_.name);
    ZS_RETURN_IF_ERROR(ValidateColumnDefinition(column, what));
    if (std::find(seen.begin(), seen.end(), column.name) != seen.end()) {
      return InvalidInput(fmt::format("{}: column \"{}\" appears twice", what, column.name));
    }
    seen.push_back(column.name);
  }
  for (const auto& constraint : op_.constraints) {
    std::string what =
        fmt::format("{} table \"{}\" constraint \"{}\"", ctx.where, op_.name, constraint.name);
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateIdentifier(constraint.name, what));
    if (constraint.type == "check") {
      ZS_RETURN_IF_ERROR(sqlcheck::ValidateExpression(constraint.check, what).status());
    }
    if (constraint.type == "foreign_key" && !constraint.references) {
      return InvalidInput(what + ": a foreign_key constraint needs `references`");
    }
    if (constraint.type == "exclude" && !constraint.exclude) {
      return InvalidInput(what + ": an exclude constraint needs `exclude`");
    }
  }
  return Status::Ok();
}

void CreateTable::Apply(schema::Schema& schema) const {
  schema::Table table;
  table.name = op_.name;
  table.physical_name = op_.name;
  table.comment = op_.comment;
  for (const auto& column : op_.columns) table.columns.push_back(ToSchemaColumn(column));
  table.primary_key = PrimaryKeyColumns(op_);
  for (const auto& c : op_.constraints) {
    if (c.type == "primary_key") table.primary_key = c.columns;
    table.constraints.push_back(
        {.name = c.name, .type = ConstraintType(c.type), .columns = c.columns});
  }
  schema.tables.push_back(std::move(table));
}

std::vector<Action> CreateTable::Start(const OpContext& ctx) const {
  const std::string& schema = ctx.before->name;
  std::vector<std::string> pk = PrimaryKeyColumns(op_);
  std::vector<std::string> parts;
  for (const auto& column : op_.columns) parts.push_back(ColumnSql(schema, column, pk.size() == 1));
  if (pk.size() > 1) parts.push_back("PRIMARY KEY (" + pg::QuoteIdentList(pk) + ")");
  for (const auto& c : op_.constraints) parts.push_back(TableConstraintSql(schema, c));

  std::string table = pg::QualifiedName(schema, op_.name);
  std::string sql = "CREATE TABLE " + table + " (\n";
  for (size_t i = 0; i < parts.size(); ++i)
    sql += "  " + parts[i] + (i + 1 < parts.size() ? ",\n" : "\n");
  sql += ");";
  if (op_.comment)
    sql += "\nCOMMENT ON TABLE " + table + " IS " + pg::QuoteLiteral(*op_.comment) + ";";
  for (const auto& column : op_.columns) {
    if (!column.comment) continue;
    sql += fmt::format("\nCOMMENT ON COLUMN {}.{} IS {};", table, pg::QuoteIdent(column.name),
                       pg::QuoteLiteral(*column.comment));
  }
  return {{.id = "create_table:" + op_.name,
           .sql = sql,
           .lock = Lock::kAccessExclusive,
           .table = op_.name}};
}

std::vector<Action> CreateTable::Complete(const OpContext&) const { return {}; }

std::vector<Action> CreateTable::Rollback(const OpContext& ctx) const {
  return {{.id = "create_table:" + op_.name + ":drop",
           .sql = "DROP TABLE IF EXISTS " + pg::QualifiedName(ctx.before->name, op_.name) + ";",
           .lock = Lock::kAccessExclusive,
           .table = op_.name}};
}

std::vector<std::string> CreateTable::TypesUsed() const {
  std::vector<std::string> types;
  for (const auto& column : op_.columns) types.push_back(column.type);
  return types;
}

}  // namespace zs::ops
