#include "ops/column_sql.h"

#include <fmt/format.h>

#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

std::string ColumnTypeAndDefaultSql(const migration::Column& column) {
  std::string sql = pg::QuoteIdent(column.name) + " " + column.type;
  if (column.generated) {
    if (column.generated->identity) {
      const auto& identity = *column.generated->identity;
      sql += fmt::format(" GENERATED {} AS IDENTITY", identity.user_specified_values);
      if (!identity.sequence_options.empty()) sql += " (" + identity.sequence_options + ")";
    } else if (!column.generated->expression.empty()) {
      sql += " GENERATED ALWAYS AS (" + column.generated->expression + ") STORED";
    }
  }
  if (column.default_value) sql += " DEFAULT " + *column.default_value;
  return sql;
}

std::string ReferencesSql(const std::string& schema, const migration::ForeignKeyReference& ref) {
  std::string sql = fmt::format("REFERENCES {} ({})", pg::QualifiedName(schema, ref.table),
                                pg::QuoteIdent(ref.column));
  if (ref.match_type != "SIMPLE") sql += " MATCH " + ref.match_type;
  sql += " ON DELETE " + ref.on_delete + " ON UPDATE " + ref.on_update;
  if (ref.deferrable) sql += " DEFERRABLE";
  if (ref.initially_deferred) sql += " INITIALLY DEFERRED";
  return sql;
}

Status ValidateColumnDefinition(const migration::Column& column, const std::string& what) {
  std::string where = fmt::format("{} column \"{}\"", what, column.name);
  ZS_RETURN_IF_ERROR(sqlcheck::ValidateIdentifier(column.name, what + " column name"));
  ZS_RETURN_IF_ERROR(sqlcheck::ValidateTypeName(column.type, where + " type"));
  if (column.default_value) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateExpression(*column.default_value, where + " default").status());
  }
  if (column.check) {
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateIdentifier(column.check->name, where + " check name"));
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateExpression(column.check->constraint, where + " check").status());
  }
  if (column.generated && !column.generated->expression.empty()) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateExpression(column.generated->expression, where + " generated").status());
  }
  if (column.references) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateIdentifier(column.references->name, where + " references name"));
  }
  return Status::Ok();
}

schema::Column ToSchemaColumn(const migration::Column& column) {
  schema::Column out;
  out.name = column.name;
  out.physical_name = column.name;
  out.type = column.type;
  out.nullable = column.nullable && !column.pk;
  out.default_expr = column.default_value;
  out.comment = column.comment;
  if (column.generated) {
    out.generated = !column.generated->expression.empty() && !column.generated->identity;
    if (column.generated->identity) {
      bool always = column.generated->identity->user_specified_values == "ALWAYS";
      out.identity = std::string(1, always ? 'a' : 'd');
    }
  }
  return out;
}

}  // namespace zs::ops
