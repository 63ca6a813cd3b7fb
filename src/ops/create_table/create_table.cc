#include "ops/create_table/create_table.h"

#include "ops/create_table/mariadb_create_table.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/column_sql.h"
#include "ops/names.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

// The new table as its checks, defaults and generated columns read it.
sqlcheck::VisibleTable CreateTableVisible(const migration::OpCreateTable& op) {
  sqlcheck::VisibleTable visible{.name = op.name, .columns = {}};
  for (const auto& column : op.columns) visible.columns.push_back({column.name, column.type});
  return visible;
}

std::vector<std::string> PrimaryKeyColumns(const migration::OpCreateTable& op) {
  std::vector<std::string> pk;
  for (const auto& column : op.columns) {
    if (column.pk) pk.push_back(column.name);
  }
  return pk;
}

bool HasName(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The physical name of table `name` as a reference target: the table being
// created, or one the migration starts from.
std::string PhysicalTable(const OpContext& ctx, const migration::OpCreateTable& op,
                          const std::string& name) {
  if (name == op.name) return name;
  const schema::Table* table = ctx.before->FindTable(name);
  return table != nullptr ? table->physical_name : name;
}

std::vector<std::string> PhysicalColumns(const OpContext& ctx, const migration::OpCreateTable& op,
                                         const std::string& table_name,
                                         const std::vector<std::string>& columns) {
  const schema::Table* table = table_name == op.name ? nullptr : ctx.before->FindTable(table_name);
  std::vector<std::string> out;
  for (const auto& name : columns) {
    const schema::Column* column = table != nullptr ? table->FindColumn(name) : nullptr;
    out.push_back(column != nullptr ? column->physical_name : name);
  }
  return out;
}

// ` INCLUDE (...) WITH (...) USING INDEX TABLESPACE "..."`, in the grammar's order.
std::string IndexParametersSql(const OpContext& ctx,
                               const std::optional<migration::IndexParameters>& params) {
  if (!params) return "";
  std::string sql;
  if (!params->include_columns.empty()) {
    sql += " INCLUDE (" + QuoteIdentList(ctx, params->include_columns) + ")";
  }
  if (!params->storage_parameters.empty()) sql += " WITH (" + params->storage_parameters + ")";
  if (!params->tablespace.empty()) {
    sql += " USING INDEX TABLESPACE " + QuoteIdent(ctx, params->tablespace);
  }
  return sql;
}

std::string DeferrableSql(bool deferrable, bool initially_deferred) {
  std::string sql;
  if (deferrable) sql += " DEFERRABLE";
  if (initially_deferred) sql += " INITIALLY DEFERRED";
  return sql;
}

std::string ForeignKeySql(const OpContext& ctx, const migration::OpCreateTable& op,
                          const migration::Constraint& c) {
  const auto& ref = *c.references;
  std::string sql =
      fmt::format("FOREIGN KEY ({}) REFERENCES {} ({})", QuoteIdentList(ctx, c.columns),
                  QualifiedName(ctx, ctx.before->name, PhysicalTable(ctx, op, ref.table)),
                  QuoteIdentList(ctx, PhysicalColumns(ctx, op, ref.table, ref.columns)));
  if (ref.match_type != "SIMPLE") sql += " MATCH " + ref.match_type;
  sql += " ON DELETE " + ref.on_delete;
  if (!ref.on_delete_set_columns.empty()) {
    sql += " (" + QuoteIdentList(ctx, ref.on_delete_set_columns) + ")";
  }
  return sql + " ON UPDATE " + ref.on_update + DeferrableSql(c.deferrable, c.initially_deferred);
}

// The constraint's body, after `CONSTRAINT "name" `.
// REQUIRES: CreateTable::ValidateConstraint(c) succeeded.
std::string ConstraintBodySql(const OpContext& ctx, const migration::OpCreateTable& op,
                              const migration::Constraint& c) {
  std::string deferrable = DeferrableSql(c.deferrable, c.initially_deferred);
  if (c.type == "check") {
    return "CHECK " + EmbedExpression(ctx, c.check) + (c.no_inherit ? " NO INHERIT" : "");
  }
  if (c.type == "unique") {
    return std::string("UNIQUE") + (c.nulls_not_distinct ? " NULLS NOT DISTINCT" : "") + " (" +
           QuoteIdentList(ctx, c.columns) + ")" + IndexParametersSql(ctx, c.index_parameters) +
           deferrable;
  }
  if (c.type == "primary_key") {
    return "PRIMARY KEY (" + QuoteIdentList(ctx, c.columns) + ")" +
           IndexParametersSql(ctx, c.index_parameters) + deferrable;
  }
  if (c.type == "foreign_key") return ForeignKeySql(ctx, op, c);
  const auto& ex = *c.exclude;  // exclude
  std::string sql = "EXCLUDE" +
                    (ex.index_method.empty() ? "" : " USING " + QuoteIdent(ctx, ex.index_method)) +
                    " (" + ex.elements + ")" + IndexParametersSql(ctx, c.index_parameters);
  if (!ex.predicate.empty()) sql += " WHERE " + EmbedExpression(ctx, ex.predicate);
  return sql + deferrable;
}

std::string ColumnSql(const OpContext& ctx, const migration::OpCreateTable& op,
                      const migration::Column& column, bool single_pk) {
  std::string sql = ColumnTypeAndDefaultSql(ctx, column);
  if (!column.nullable && !column.pk) sql += " NOT NULL";
  if (column.pk && single_pk) sql += " PRIMARY KEY";
  if (column.unique) sql += " UNIQUE";
  if (column.check) sql += " " + CheckSql(ctx, *column.check);
  if (column.references) {
    migration::ForeignKeyReference ref = *column.references;
    ref.table = PhysicalTable(ctx, op, ref.table);
    ref.column = PhysicalColumns(ctx, op, column.references->table, {ref.column}).front();
    sql += " CONSTRAINT " + QuoteIdent(ctx, ref.name) + " " +
           ReferencesSql(ctx, ctx.before->name, ref);
  }
  return sql;
}

// The plan names one table per action; a foreign key also locks the table it
// references (SHARE ROW EXCLUSIVE, briefly: the new table is empty), so the
// SQL says so. Names are validated identifiers: no line break can end the comment.
std::string ReferencedTablesComment(const OpContext& ctx, const migration::OpCreateTable& op) {
  std::vector<std::string> tables;
  auto add = [&](const std::string& name) {
    std::string physical = PhysicalTable(ctx, op, name);
    if (name != op.name && !HasName(tables, physical)) tables.push_back(physical);
  };
  for (const auto& column : op.columns) {
    if (column.references) add(column.references->table);
  }
  for (const auto& c : op.constraints) {
    if (c.type == "foreign_key" && c.references) add(c.references->table);
  }
  if (tables.empty()) return "";
  return "-- foreign keys also take SHARE ROW EXCLUSIVE on " + QuoteIdentList(ctx, tables) + "\n";
}

// The names PostgreSQL gives constraints it names itself, when they fit
// (longer ones are truncated in ways not worth predicting).
void AddNamed(schema::Table& table, const std::string& name, char type,
              const std::vector<std::string>& columns, const std::string& definition) {
  if (name.size() > kPgIdentifierMaxBytes) return;
  table.constraints.push_back(
      {.name = name, .type = type, .columns = columns, .definition = definition});
  if (type == 'p' || type == 'u' || type == 'x') {
    table.indexes.push_back({.name = name,
                             .columns = type == 'x' ? std::vector<std::string>{} : columns,
                             .unique = type != 'x',
                             .primary = type == 'p',
                             .definition = definition});
  }
}

}  // namespace

Result<std::vector<std::string>> CreateTable::ResolveColumns(
    const OpContext& ctx, const std::string& table, const std::vector<std::string>& columns,
    const std::string& what) const {
  std::vector<std::string> own;
  for (const auto& column : op_.columns) own.push_back(column.name);
  const schema::Table* other = nullptr;
  if (table != op_.name) {
    other = ctx.before->FindTable(table);
    if (other == nullptr) {
      return NotFound(fmt::format(
          "{}: table \"{}\" does not exist in schema \"{}\"; create it first or fix the name", what,
          table, ctx.before->name));
    }
  }
  std::vector<std::string> physical;
  for (const auto& name : columns) {
    const schema::Column* column = other != nullptr ? other->FindColumn(name) : nullptr;
    if (other != nullptr ? column == nullptr : !HasName(own, name)) {
      return NotFound(
          fmt::format("{}: column \"{}\" does not exist in table \"{}\"", what, name, table));
    }
    physical.push_back(column != nullptr ? column->physical_name : name);
  }
  return physical;
}

Status CreateTable::ValidateColumns(const OpContext& ctx) const {
  std::string what = fmt::format("{} table \"{}\"", ctx.where, op_.name);
  const sqlcheck::VisibleTable visible = CreateTableVisible(op_);
  std::vector<std::string> seen;
  for (const auto& column : op_.columns) {
    ZS_RETURN_IF_ERROR(ValidateColumnDefinition(ctx, visible, column, what));
    if (HasName(seen, column.name)) {
      return InvalidInput(fmt::format("{}: column \"{}\" appears twice", what, column.name));
    }
    seen.push_back(column.name);
  }
  for (const auto& column : op_.columns) {
    if (!column.references) continue;
    std::string where = fmt::format("{} column \"{}\" references", what, column.name);
    ZS_RETURN_IF_ERROR(
        ResolveColumns(ctx, column.references->table, {column.references->column}, where).status());
  }
  return Status::Ok();
}

Status CreateTable::ValidateForeignKey(const OpContext& ctx, const migration::Constraint& c,
                                       const std::string& what) const {
  if (!c.references) return InvalidInput(what + ": a foreign_key constraint needs `references`");
  const auto& ref = *c.references;
  ZS_RETURN_IF_ERROR(CheckerFor(ctx).CheckIdentifier(ref.table, what + " references table"));
  ZS_RETURN_IF_ERROR(ResolveColumns(ctx, ref.table, ref.columns, what + " references").status());
  if (ref.columns.size() != c.columns.size()) {
    return InvalidInput(
        fmt::format("{}: {} column(s) reference {} column(s) of \"{}\"; give as "
                    "many referenced columns as columns",
                    what, c.columns.size(), ref.columns.size(), ref.table));
  }
  if (ref.match_type == "PARTIAL") {
    return InvalidInput(what +
                        ": MATCH PARTIAL is not implemented by PostgreSQL; use SIMPLE or "
                        "FULL");
  }
  if (ref.on_delete_set_columns.empty()) return Status::Ok();
  if (ref.on_delete != "SET NULL" && ref.on_delete != "SET DEFAULT") {
    return InvalidInput(what + ": on_delete_set_columns needs on_delete SET NULL or SET DEFAULT");
  }
  for (const auto& column : ref.on_delete_set_columns) {
    if (!HasName(c.columns, column)) {
      return InvalidInput(fmt::format(
          "{}: on_delete_set_columns names \"{}\", which is not one of the constraint's columns",
          what, column));
    }
  }
  return Status::Ok();
}

Status CreateTable::ValidateConstraint(const OpContext& ctx, const migration::Constraint& c) const {
  std::string what = fmt::format("{} table \"{}\" constraint \"{}\"", ctx.where, op_.name, c.name);
  sqlcheck::ExpressionChecker& checker = CheckerFor(ctx);
  ZS_RETURN_IF_ERROR(checker.CheckIdentifier(c.name, what));
  const bool has_index = c.type == "unique" || c.type == "primary_key" || c.type == "exclude";
  if (c.type != "check" && c.type != "exclude") {
    if (c.columns.empty()) return InvalidInput(what + ": list the constraint's `columns`");
    ZS_RETURN_IF_ERROR(ResolveColumns(ctx, op_.name, c.columns, what).status());
  }
  if (c.type == "check") {
    ZS_RETURN_IF_ERROR(
        CheckStoredExpression(ctx, CreateTableVisible(op_), c.check, what + " check").status());
    if (c.deferrable || c.initially_deferred) {
      return InvalidInput(what +
                          ": PostgreSQL cannot defer a CHECK constraint; remove "
                          "deferrable/initially_deferred");
    }
  } else if (c.no_inherit) {
    return InvalidInput(what + ": no_inherit applies to check constraints only");
  }
  if (c.nulls_not_distinct && c.type != "unique") {
    return InvalidInput(what + ": nulls_not_distinct applies to unique constraints only");
  }
  if (c.type == "foreign_key") ZS_RETURN_IF_ERROR(ValidateForeignKey(ctx, c, what));
  if (c.type == "exclude") {
    if (!c.exclude) return InvalidInput(what + ": an exclude constraint needs `exclude`");
    if (!c.exclude->index_method.empty()) {
      ZS_RETURN_IF_ERROR(checker.CheckIdentifier(c.exclude->index_method, what + " index_method"));
    }
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateExcludeElements(c.exclude->elements, what + " exclude elements"));
    if (!c.exclude->predicate.empty()) {
      ZS_RETURN_IF_ERROR(CheckStoredExpression(ctx, CreateTableVisible(op_), c.exclude->predicate,
                                               what + " exclude predicate")
                             .status());
    }
  }
  if (!c.index_parameters) return Status::Ok();
  if (!has_index) {
    return InvalidInput(what +
                        ": index_parameters apply to unique, primary_key and exclude "
                        "constraints only");
  }
  const auto& params = *c.index_parameters;
  if (!params.tablespace.empty()) {
    ZS_RETURN_IF_ERROR(checker.CheckIdentifier(params.tablespace, what + " tablespace"));
  }
  if (!params.storage_parameters.empty()) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateOptionList(params.storage_parameters, what + " storage_parameters"));
  }
  return ResolveColumns(ctx, op_.name, params.include_columns, what + " include_columns").status();
}

Status CreateTable::CheckIntent(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.name, "table name"));
  if (ctx.before->FindTable(op_.name) != nullptr ||
      ctx.before->FindPhysicalTable(op_.name) != nullptr ||
      ctx.before->FindIndex(op_.name) != nullptr) {
    return Conflict(
        fmt::format("{}: a table or index \"{}\" already exists; choose another name or drop it "
                    "first",
                    ctx.where, op_.name));
  }
  if (op_.columns.empty()) {
    return InvalidInput(fmt::format("{}: table \"{}\" has no columns", ctx.where, op_.name));
  }
  ZS_RETURN_IF_ERROR(ValidateColumns(ctx));
  std::vector<std::string> names;
  for (const auto& column : op_.columns) {
    if (column.check) names.push_back(column.check->name);
    if (column.references) names.push_back(column.references->name);
  }
  bool column_pk = !PrimaryKeyColumns(op_).empty();
  for (const auto& constraint : op_.constraints) {
    ZS_RETURN_IF_ERROR(ValidateConstraint(ctx, constraint));
    if (HasName(names, constraint.name)) {
      return InvalidInput(fmt::format("{}: table \"{}\" has two constraints named \"{}\"",
                                      ctx.where, op_.name, constraint.name));
    }
    names.push_back(constraint.name);
    if (constraint.type == "primary_key" && column_pk) {
      return InvalidInput(fmt::format(
          "{}: table \"{}\" has a primary key in both `columns` (pk: true) and `constraints`; "
          "keep one",
          ctx.where, op_.name));
    }
    column_pk = column_pk || constraint.type == "primary_key";
  }
  return Status::Ok();
}

void CreateTable::Apply(const OpContext& ctx, schema::Schema& schema) const {
  schema::Table table;
  table.name = op_.name;
  table.physical_name = op_.name;
  table.comment = op_.comment;
  for (const auto& column : op_.columns) table.columns.push_back(ToSchemaColumn(ctx, column));
  std::vector<std::string> pk = PrimaryKeyColumns(op_);
  table.primary_key = pk;
  if (!pk.empty()) AddNamed(table, op_.name + "_pkey", 'p', pk, "");
  for (const auto& column : op_.columns) {
    if (column.unique)
      AddNamed(table, op_.name + "_" + column.name + "_key", 'u', {column.name}, "");
    if (column.check) AddNamed(table, column.check->name, 'c', {column.name}, "");
    if (column.references) AddNamed(table, column.references->name, 'f', {column.name}, "");
  }
  for (const auto& c : op_.constraints) {
    if (c.type == "primary_key") table.primary_key = c.columns;
    AddNamed(table, c.name, ConstraintTypeCode(c.type), c.columns, "");
  }
  schema.tables.push_back(std::move(table));
}

Result<std::vector<Action>> CreateTable::PostgresStart(const OpContext& ctx) const {
  std::vector<std::string> pk = PrimaryKeyColumns(op_);
  std::vector<std::string> parts;
  for (const auto& column : op_.columns) {
    parts.push_back(ColumnSql(ctx, op_, column, pk.size() == 1));
  }
  if (pk.size() > 1) parts.push_back("PRIMARY KEY (" + QuoteIdentList(ctx, pk) + ")");
  for (const auto& c : op_.constraints) {
    parts.push_back("CONSTRAINT " + QuoteIdent(ctx, c.name) + " " + ConstraintBodySql(ctx, op_, c));
  }

  std::string table = QualifiedName(ctx, ctx.before->name, op_.name);
  std::string sql = ReferencedTablesComment(ctx, op_) + "CREATE TABLE " + table + " (\n";
  for (size_t i = 0; i < parts.size(); ++i) {
    sql += "  " + parts[i] + (i + 1 < parts.size() ? ",\n" : "\n");
  }
  sql += ");";
  if (op_.comment) {
    sql += "\nCOMMENT ON TABLE " + table + " IS " + QuoteLiteral(ctx, *op_.comment) + ";";
  }
  for (const auto& column : op_.columns) {
    if (!column.comment) continue;
    sql += fmt::format("\nCOMMENT ON COLUMN {}.{} IS {};", table, QuoteIdent(ctx, column.name),
                       QuoteLiteral(ctx, *column.comment));
  }
  return std::vector<Action>{{.id = "create_table:" + op_.name,
                              .sql = sql,
                              .lock = Lock::kAccessExclusive,
                              .table = op_.name}};
}

Result<std::vector<Action>> CreateTable::PostgresComplete(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> CreateTable::PostgresRollback(const OpContext& ctx) const {
  return std::vector<Action>{
      {.id = "create_table:" + op_.name + ":drop",
       .sql = "DROP TABLE IF EXISTS " + QualifiedName(ctx, ctx.before->name, op_.name) + ";",
       .lock = Lock::kAccessExclusive,
       .table = op_.name}};
}

std::vector<std::string> CreateTable::TypesUsed() const {
  std::vector<std::string> types;
  for (const auto& column : op_.columns) types.push_back(column.type);
  return types;
}

// The checks of the operation's intent, then what the database refuses.
Status CreateTable::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbCreateTableSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> CreateTable::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateTableSql()).Start(*this, ctx);
}

Result<std::vector<Action>> CreateTable::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateTableSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> CreateTable::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbCreateTableSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
