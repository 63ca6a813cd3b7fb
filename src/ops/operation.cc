#include "ops/operation.h"

#include "ops/names.h"

#include <fmt/format.h>

#include <optional>
#include <regex>

#include "sqlcheck/postgres_check.h"

namespace zs::ops {

namespace {

std::string ColumnList(const schema::Table& table) {
  std::string out;
  for (const auto& column : table.columns) out += (out.empty() ? "" : ", ") + column.name;
  return out;
}

}  // namespace

std::string QuoteIdent(const backend::Backend& backend, std::string_view name) {
  return backend.QuoteIdentifier(name);
}

std::string QuoteIdent(const OpContext& ctx, std::string_view name) {
  return ctx.backend->QuoteIdentifier(name);
}

std::string QualifiedName(const backend::Backend& backend, std::string_view schema,
                          std::string_view name) {
  return backend.QuoteIdentifier(schema) + "." + backend.QuoteIdentifier(name);
}

std::string QualifiedName(const OpContext& ctx, std::string_view schema, std::string_view name) {
  return QualifiedName(*ctx.backend, schema, name);
}

std::string QuoteIdentList(const backend::Backend& backend, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + backend.QuoteIdentifier(name);
  return out;
}

std::string QuoteIdentList(const OpContext& ctx, const std::vector<std::string>& names) {
  return QuoteIdentList(*ctx.backend, names);
}

std::string QuoteLiteral(const OpContext& ctx, std::string_view value) {
  return ctx.backend->QuoteLiteral(value);
}

Result<const schema::Table*> RequireTable(const OpContext& ctx, const std::string& table) {
  const schema::Table* found = ctx.before->FindTable(table);
  if (found == nullptr) {
    return NotFound(fmt::format("{}: table \"{}\" does not exist in schema \"{}\"; check the name",
                                ctx.where, table, ctx.before->name));
  }
  return found;
}

Result<const schema::Column*> RequireColumn(const OpContext& ctx, const schema::Table& table,
                                            const std::string& column) {
  const schema::Column* found = table.FindColumn(column);
  if (found == nullptr) {
    return NotFound(fmt::format("{}: column \"{}\" does not exist in table \"{}\" (columns: {})",
                                ctx.where, column, table.name, ColumnList(table)));
  }
  return found;
}

Status RequireNewIdentifier(const OpContext& ctx, const std::string& name, const char* what) {
  return CheckerFor(ctx).CheckIdentifier(name, fmt::format("{}: {}", ctx.where, what));
}

sqlcheck::ExpressionChecker& CheckerFor(const OpContext& ctx) {
  // Stateless, so one instance serves every caller.
  static sqlcheck::PostgresExpressionChecker offline;
  return ctx.checker != nullptr ? *ctx.checker : offline;
}

sqlcheck::VisibleTable VisibleTableOf(const schema::Table& table) {
  sqlcheck::VisibleTable visible{.name = table.name, .columns = {}};
  for (const auto& column : table.columns) visible.columns.push_back({column.name, column.type});
  return visible;
}

Result<sqlcheck::CheckedExpression> CheckStoredExpression(const OpContext& ctx,
                                                          const sqlcheck::VisibleTable& table,
                                                          const std::string& expression,
                                                          const std::string& what) {
  return CheckerFor(ctx).CheckExpression(table, expression, what,
                                         sqlcheck::UnknownColumns::kReport);
}

namespace {

// What an INSERT that leaves `column` out stores in it, for the trigger to
// compare with (triggers::TriggerSpec::target_unwritten_value): "NULL", or a
// constant default's literal without its cast (compared with the column, the
// literal takes the column's type, so no type name has to resolve under the
// writer's search_path).
std::optional<std::string> UnwrittenValue(const schema::Column& column) {
  if (column.generated || !column.identity.empty()) return std::nullopt;
  if (!column.default_expr) return "NULL";
  static const std::regex kConstant(
      R"(^('(?:[^']|'')*'|-?[0-9]+(?:\.[0-9]+)?|true|false)(?:::[A-Za-z0-9_ "(),.\[\]]+)?$)");
  std::smatch match;
  if (std::regex_match(*column.default_expr, match, kConstant)) return match[1].str();
  return std::nullopt;
}

}  // namespace

Result<triggers::TriggerSpec> MakeTrigger(const OpContext& ctx, const schema::Table& visible,
                                          const std::string& target_physical_column,
                                          const std::string& name_column,
                                          const std::string& expression,
                                          triggers::Direction direction) {
  const char* side = direction == triggers::Direction::kUp ? "up" : "down";
  std::string what = fmt::format("{} {}.{} {}", ctx.where, visible.name, name_column, side);
  // `up` runs on every row during the backfill, so start would fail
  // part-way: refuse a column the table lacks now. `down` runs only on
  // writes through the new version; pgroll accepts it (its example 35 does
  // this), so we run it and say which writes will fail.
  ZS_ASSIGN_OR_RETURN(sqlcheck::CheckedExpression checked,
                      CheckerFor(ctx).CheckExpression(VisibleTableOf(visible), expression, what,
                                                      direction == triggers::Direction::kUp
                                                          ? sqlcheck::UnknownColumns::kRefuse
                                                          : sqlcheck::UnknownColumns::kReport));
  triggers::TriggerSpec spec;
  for (const auto& name : checked.columns) {
    const schema::Column* column = visible.FindColumn(name);
    if (column == nullptr) {
      return Internal(fmt::format("{}: the checker named column \"{}\", which table \"{}\" lacks",
                                  what, name, visible.name));
    }
    spec.variables.emplace_back(column->name, column->physical_name);
  }
  for (const auto& name : checked.unknown_columns) {
    spec.warnings.push_back(fmt::format(
        "{}; writes through version \"{}\" will fail with \"column does not exist\" until a "
        "migration fixes `down`",
        sqlcheck::UnknownColumnMessage(what, expression, name, VisibleTableOf(visible)),
        ctx.version_schema));
  }
  spec.name = triggers::TriggerName(visible.physical_name, ctx.index, name_column, direction);
  spec.schema = ctx.before->name;
  spec.table = visible.physical_name;
  spec.direction = direction;
  spec.version_schema = ctx.version_schema;
  spec.target_column = target_physical_column;
  // `down` fills a column of the table as it was; `up` one of the new shape.
  const schema::Schema* shape = direction == triggers::Direction::kDown ? ctx.base : ctx.after;
  const schema::Table* existing =
      shape == nullptr ? nullptr : shape->FindPhysicalTable(visible.physical_name);
  const schema::Column* target =
      existing == nullptr ? nullptr : existing->FindPhysicalColumn(target_physical_column);
  if (target != nullptr) spec.target_unwritten_value = UnwrittenValue(*target);
  spec.expression = checked.embedded;
  return spec;
}

}  // namespace zs::ops
