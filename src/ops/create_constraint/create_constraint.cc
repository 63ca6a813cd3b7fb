#include "ops/create_constraint/create_constraint.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "ops/column_sql.h"

namespace zs::ops {

namespace {

SwapSpec MakeSpec(const migration::OpCreateConstraint& op) {
  SwapSpec spec{.id = fmt::format("create_constraint:{}.{}", op.table, op.name), .table = op.table};
  char type = ConstraintTypeCode(op.type);
  for (const auto& column : op.columns) {
    auto up = op.up.find(column);
    auto down = op.down.find(column);
    SwapColumn swap{.name = column,
                    .up = up == op.up.end() ? "" : up->second,
                    .down = down == op.down.end() ? "" : down->second};
    if (type == 'p') swap.nullable = false;  // a primary key holds no NULL
    spec.columns.push_back(std::move(swap));
  }
  spec.added.push_back({.name = op.name,
                        .type = type,
                        .columns = op.columns,
                        .check = op.check,
                        .no_inherit = op.no_inherit,
                        .index_parameters = op.index_parameters,
                        .references = op.references});
  return spec;
}

// Every key of `map` must be one of the constraint's columns.
Status CheckExpressionKeys(const OpContext& ctx, const migration::OpCreateConstraint& op,
                           const std::map<std::string, std::string>& map, const char* side) {
  for (const auto& [column, expression] : map) {
    if (std::find(op.columns.begin(), op.columns.end(), column) != op.columns.end()) continue;
    return InvalidInput(fmt::format(
        "{}: `{}` names column \"{}\", which is not one of the constraint's columns ({}); give "
        "an expression for each of those columns only",
        ctx.where, side, column, fmt::join(op.columns, ", ")));
  }
  return Status::Ok();
}

}  // namespace

CreateConstraint::CreateConstraint(migration::OpCreateConstraint op)
    : ColumnSwapOperation(MakeSpec(op)), op_(std::move(op)) {}

Status CreateConstraint::Validate(const OpContext& ctx) const {
  std::string what = fmt::format("{}: constraint \"{}\" on \"{}\"", ctx.where, op_.name, op_.table);
  if (op_.columns.empty()) {
    return InvalidInput(what + " needs `columns`: the columns the constraint covers");
  }
  char type = ConstraintTypeCode(op_.type);
  if (type == 'c' && op_.check.empty()) {
    return InvalidInput(what + " is a check constraint: give `check`, a boolean expression");
  }
  if (type == 'f' && !op_.references) {
    return InvalidInput(what + " is a foreign key: give `references` (table and columns)");
  }
  if (type != 'c' && !op_.check.empty()) {
    return InvalidInput(what + ": `check` belongs to check constraints only; remove it");
  }
  if (type != 'c' && op_.no_inherit) {
    return InvalidInput(what + ": `no_inherit` belongs to check constraints only; remove it");
  }
  if (type != 'f' && op_.references) {
    return InvalidInput(what + ": `references` belongs to foreign keys only; remove it");
  }
  if ((type == 'c' || type == 'f') && op_.index_parameters) {
    return InvalidInput(what +
                        ": `index_parameters` belong to unique and primary_key constraints only; "
                        "remove them");
  }
  ZS_RETURN_IF_ERROR(CheckExpressionKeys(ctx, op_, op_.up, "up"));
  ZS_RETURN_IF_ERROR(CheckExpressionKeys(ctx, op_, op_.down, "down"));
  return ColumnSwapOperation::Validate(ctx);
}

}  // namespace zs::ops
