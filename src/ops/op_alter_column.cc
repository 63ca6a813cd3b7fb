#include "ops/op_alter_column.h"

#include <fmt/format.h>

#include <algorithm>

#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

std::string Id(const migration::OpAlterColumn& op, const char* step) {
  return fmt::format("alter_column:{}.{}:{}", op.table, op.column, step);
}

// The new column's definition: the old one with this operation's changes.
schema::Column NewShape(const migration::OpAlterColumn& op, const schema::Column& old) {
  schema::Column column = old;
  column.physical_name = TemporaryColumnName(old.physical_name);
  if (op.type) column.type = *op.type;
  if (op.nullable) column.nullable = *op.nullable;
  if (op.default_value) {
    column.default_expr =
        op.default_value->is_null ? std::nullopt : std::optional(op.default_value->value);
  }
  if (op.comment) {
    column.comment = op.comment->is_null ? std::nullopt : std::optional(op.comment->value);
  }
  return column;
}

}  // namespace

Status AlterColumn::Validate(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  ZS_ASSIGN_OR_RETURN(const schema::Column* column, RequireColumn(ctx, *table, op_.column));
  if (op_.check || op_.unique || op_.references) {
    return InvalidInput(fmt::format(
        "{}: alter_column with check, unique or references is not supported by this version of "
        "zeroshift yet; use type, nullable, default or comment, or an `sql` operation",
        ctx.where));
  }
  if (!op_.type && !op_.nullable && !op_.default_value && !op_.comment) {
    return InvalidInput(
        fmt::format("{}: alter_column on \"{}\".\"{}\" changes nothing: give type, nullable, "
                    "default or comment",
                    ctx.where, op_.table, op_.column));
  }
  const auto& pk = table->primary_key;
  if (std::find(pk.begin(), pk.end(), column->physical_name) != pk.end()) {
    return InvalidInput(fmt::format(
        "{}: column \"{}\" is part of the primary key of \"{}\"; changing it in place is not "
        "supported: add a new column and switch the key with create_constraint",
        ctx.where, op_.column, op_.table));
  }
  // The old column is dropped at complete: whatever hangs on it would go too.
  for (const auto& index : table->indexes) {
    if (std::find(index.columns.begin(), index.columns.end(), column->physical_name) !=
        index.columns.end()) {
      return InvalidInput(fmt::format(
          "{}: column \"{}\" of \"{}\" is used by index \"{}\", which this version of zeroshift "
          "would not carry over to the new column; drop the index first, or change the column "
          "with an `sql` operation",
          ctx.where, op_.column, op_.table, index.name));
    }
  }
  if (op_.type) {
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateTypeName(*op_.type, ctx.where + " type"));
  }
  if (op_.default_value && !op_.default_value->is_null) {
    ZS_RETURN_IF_ERROR(
        sqlcheck::ValidateExpression(op_.default_value->value, ctx.where + " default").status());
  }
  return Status::Ok();
}

void AlterColumn::Apply(schema::Schema& schema) const {
  schema::Column* column = schema.FindTable(op_.table)->FindColumn(op_.column);
  *column = NewShape(op_, *column);
}

std::vector<Action> AlterColumn::Start(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const schema::Column& old = *table.FindColumn(op_.column);
  schema::Column shape = NewShape(op_, old);
  std::string qualified = pg::QualifiedName(ctx.before->name, table.physical_name);
  std::string temp = pg::QuoteIdent(shape.physical_name);
  std::string sql = fmt::format("ALTER TABLE {} ADD COLUMN {} {}", qualified, temp, shape.type);
  if (shape.default_expr) sql += " DEFAULT " + *shape.default_expr;
  sql += ";";
  std::vector<Action> actions;
  actions.push_back({.id = Id(op_, "add_temporary"),
                     .sql = sql,
                     .lock = Lock::kAccessExclusive,
                     .table = table.physical_name});
  if (!shape.nullable) {
    actions.push_back(
        {.id = Id(op_, "not_null_check"),
         .sql = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID;",
                            qualified, pg::QuoteIdent(NotNullCheckName(shape.physical_name)), temp),
         .lock = Lock::kAccessExclusive,
         .table = table.physical_name});
  }
  if (shape.comment) {
    actions.push_back({.id = Id(op_, "comment"),
                       .sql = fmt::format("COMMENT ON COLUMN {}.{} IS {};", qualified, temp,
                                          pg::QuoteLiteral(*shape.comment)),
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table.physical_name});
  }
  return actions;
}

Result<std::vector<triggers::TriggerSpec>> AlterColumn::Triggers(const OpContext& ctx) const {
  const schema::Table& before = *ctx.before->FindTable(op_.table);
  const schema::Column& old = *before.FindColumn(op_.column);
  // Without `up`/`down` the value is carried over as is (cast on assignment).
  ZS_ASSIGN_OR_RETURN(
      auto up,
      MakeTrigger(ctx, before, TemporaryColumnName(old.physical_name), op_.column,
                  op_.up.empty() ? pg::QuoteIdent(op_.column) : op_.up, triggers::Direction::kUp));
  ZS_ASSIGN_OR_RETURN(
      auto down, MakeTrigger(ctx, *ctx.after->FindTable(op_.table), old.physical_name, op_.column,
                             op_.down.empty() ? pg::QuoteIdent(op_.column) : op_.down,
                             triggers::Direction::kDown));
  return std::vector<triggers::TriggerSpec>{std::move(up), std::move(down)};
}

std::vector<BackfillTask> AlterColumn::Backfill(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const schema::Column& old = *table.FindColumn(op_.column);
  return {{.table = table.physical_name,
           .touch_column = TemporaryColumnName(old.physical_name),
           .reason = "alter_column " + op_.table + "." + op_.column}};
}

std::vector<Action> AlterColumn::Complete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const schema::Column& old = *table.FindColumn(op_.column);
  schema::Column shape = NewShape(op_, old);
  std::string qualified = pg::QualifiedName(ctx.before->name, table.physical_name);
  std::string check = NotNullCheckName(shape.physical_name);
  std::vector<Action> actions;
  if (!shape.nullable) {
    actions.push_back({.id = Id(op_, "validate_not_null"),
                       .sql = fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {};", qualified,
                                          pg::QuoteIdent(check)),
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table.physical_name,
                       .phase = CompletePhase::kPrepare});
  }
  std::string sql =
      fmt::format("ALTER TABLE {} DROP COLUMN {};\nALTER TABLE {} RENAME COLUMN {} TO {};",
                  qualified, pg::QuoteIdent(old.physical_name), qualified,
                  pg::QuoteIdent(shape.physical_name), pg::QuoteIdent(old.physical_name));
  if (!shape.nullable) {
    sql += fmt::format(
        "\nALTER TABLE {} ALTER COLUMN {} SET NOT NULL;\nALTER TABLE {} DROP CONSTRAINT {};",
        qualified, pg::QuoteIdent(old.physical_name), qualified, pg::QuoteIdent(check));
  }
  actions.push_back({.id = Id(op_, "replace"),
                     .sql = sql,
                     .lock = Lock::kAccessExclusive,
                     .table = table.physical_name,
                     .phase = CompletePhase::kFinalize});
  return actions;
}

std::vector<Action> AlterColumn::Rollback(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const schema::Column& old = *table.FindColumn(op_.column);
  return {{.id = Id(op_, "drop_temporary"),
           .sql = fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {};",
                              pg::QualifiedName(ctx.before->name, table.physical_name),
                              pg::QuoteIdent(TemporaryColumnName(old.physical_name))),
           .lock = Lock::kAccessExclusive,
           .table = table.physical_name}};
}

std::vector<std::string> AlterColumn::TypesUsed() const {
  if (!op_.type) return {};
  return {*op_.type};
}

}  // namespace zs::ops
