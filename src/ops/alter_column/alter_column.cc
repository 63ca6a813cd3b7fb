#include "ops/alter_column/alter_column.h"

#include <fmt/format.h>

#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

// The foreign key of one column, in the table-level form of create_constraint.
AddedConstraint ForeignKey(const migration::OpAlterColumn& op) {
  const migration::ForeignKeyReference& ref = *op.references;
  return {.name = ref.name,
          .type = 'f',
          .columns = {op.column},
          .references = migration::TableForeignKeyReference{.table = ref.table,
                                                            .columns = {ref.column},
                                                            .match_type = ref.match_type,
                                                            .on_delete = ref.on_delete,
                                                            .on_update = ref.on_update},
          .deferrable = ref.deferrable,
          .initially_deferred = ref.initially_deferred};
}

SwapSpec MakeSpec(const migration::OpAlterColumn& op) {
  SwapSpec spec{.id = fmt::format("alter_column:{}.{}", op.table, op.column), .table = op.table};
  spec.columns.push_back({.name = op.column,
                          .type = op.type,
                          .nullable = op.nullable,
                          .default_value = op.default_value,
                          .comment = op.comment,
                          .up = op.up,
                          .down = op.down});
  if (op.unique)
    spec.added.push_back({.name = op.unique->name, .type = 'u', .columns = {op.column}});
  if (op.check) {
    spec.added.push_back({.name = op.check->name,
                          .type = 'c',
                          .check = op.check->constraint,
                          .no_inherit = op.check->no_inherit});
  }
  if (op.references) spec.added.push_back(ForeignKey(op));
  return spec;
}

}  // namespace

AlterColumn::AlterColumn(migration::OpAlterColumn op)
    : ColumnSwapOperation(MakeSpec(op)), op_(std::move(op)) {}

Status AlterColumn::Validate(const OpContext& ctx) const {
  if (!op_.type && !op_.nullable && !op_.default_value && !op_.comment && !op_.check &&
      !op_.unique && !op_.references) {
    return InvalidInput(
        fmt::format("{}: alter_column on \"{}\".\"{}\" changes nothing: give type, nullable, "
                    "default, comment, check, unique or references",
                    ctx.where, op_.table, op_.column));
  }
  if (op_.type) {
    ZS_RETURN_IF_ERROR(CheckerFor(ctx).CheckType(*op_.type, ctx.where + " type"));
  }
  if (op_.default_value && !op_.default_value->is_null) {
    // The table's columns when it exists; ColumnSwapOperation::Validate says when it does not.
    const schema::Table* table = ctx.before->FindTable(op_.table);
    sqlcheck::VisibleTable visible = table != nullptr
                                         ? VisibleTableOf(*table)
                                         : sqlcheck::VisibleTable{.name = op_.table, .columns = {}};
    ZS_RETURN_IF_ERROR(
        CheckStoredExpression(ctx, visible, op_.default_value->value, ctx.where + " default")
            .status());
  }
  return ColumnSwapOperation::Validate(ctx);
}

std::vector<std::string> AlterColumn::TypesUsed() const {
  if (!op_.type) return {};
  return {*op_.type};
}

}  // namespace zs::ops
