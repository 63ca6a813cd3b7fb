#include "ops/drop_multicolumn_constraint/drop_multicolumn_constraint.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace zs::ops {

namespace {

// Every key of `map` must be one of `columns` (names in ctx.before).
Status CheckKeys(const OpContext& ctx, const std::string& constraint,
                 const std::vector<std::string>& columns,
                 const std::map<std::string, std::string>& map, const char* side) {
  for (const auto& [column, expression] : map) {
    if (std::find(columns.begin(), columns.end(), column) != columns.end()) continue;
    return InvalidInput(fmt::format(
        "{}: `{}` names column \"{}\", which constraint \"{}\" does not cover (it covers {}); "
        "give an expression for each of those columns only",
        ctx.where, side, column, constraint, fmt::join(columns, ", ")));
  }
  return Status::Ok();
}

std::string Find(const std::map<std::string, std::string>& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? "" : it->second;
}

SwapSpec MakeSpec(const migration::OpDropMultiColumnConstraint& op) {
  SwapSpec spec{.id = fmt::format("drop_multicolumn_constraint:{}.{}", op.table, op.name),
                .table = op.table,
                .dropped = op.name};
  spec.columns_of = [op](const OpContext& ctx,
                         const schema::Table& table) -> Result<std::vector<SwapColumn>> {
    ZS_ASSIGN_OR_RETURN(const schema::Constraint* constraint,
                        RequireDroppableConstraint(ctx, table, op.name));
    std::vector<std::string> names;
    for (const auto& physical : constraint->columns) {
      const schema::Column* column = table.FindPhysicalColumn(physical);
      if (column == nullptr) {
        return Internal(fmt::format("{}: constraint \"{}\" is on a column \"{}\" that \"{}\" lacks",
                                    ctx.where, op.name, physical, table.name));
      }
      names.push_back(column->name);
    }
    ZS_RETURN_IF_ERROR(CheckKeys(ctx, op.name, names, op.up, "up"));
    ZS_RETURN_IF_ERROR(CheckKeys(ctx, op.name, names, op.down, "down"));
    std::vector<SwapColumn> columns;
    for (const auto& name : names) {
      columns.push_back({.name = name, .up = Find(op.up, name), .down = Find(op.down, name)});
    }
    return columns;
  };
  return spec;
}

}  // namespace

DropMultiColumnConstraint::DropMultiColumnConstraint(
    const migration::OpDropMultiColumnConstraint& op)
    : ColumnSwapOperation(MakeSpec(op)) {}

}  // namespace zs::ops
