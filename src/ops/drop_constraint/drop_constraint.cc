#include "ops/drop_constraint/drop_constraint.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace zs::ops {

namespace {

SwapSpec MakeSpec(const migration::OpDropConstraint& op) {
  SwapSpec spec{.id = fmt::format("drop_constraint:{}.{}", op.table, op.name),
                .table = op.table,
                .dropped = op.name};
  spec.columns_of = [op](const OpContext& ctx,
                         const schema::Table& table) -> Result<std::vector<SwapColumn>> {
    ZS_ASSIGN_OR_RETURN(const schema::Constraint* constraint,
                        RequireDroppableConstraint(ctx, table, op.name));
    if (constraint->columns.size() != 1) {
      return InvalidInput(
          fmt::format("{}: constraint \"{}\" of \"{}\" covers {} columns ({}); drop it with "
                      "drop_multicolumn_constraint, which takes up/down for each column",
                      ctx.where, op.name, table.name, constraint->columns.size(),
                      fmt::join(constraint->columns, ", ")));
    }
    const schema::Column* column = table.FindPhysicalColumn(constraint->columns.front());
    if (column == nullptr) {
      return Internal(fmt::format("{}: constraint \"{}\" is on a column \"{}\" that \"{}\" lacks",
                                  ctx.where, op.name, constraint->columns.front(), table.name));
    }
    return std::vector<SwapColumn>{{.name = column->name, .up = op.up, .down = op.down}};
  };
  return spec;
}

}  // namespace

DropConstraint::DropConstraint(const migration::OpDropConstraint& op)
    : ColumnSwapOperation(MakeSpec(op)) {}

}  // namespace zs::ops
