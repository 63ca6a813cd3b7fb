#include "ops/drop_column/drop_column.h"

#include "ops/drop_column/mariadb_drop_column.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

#include <algorithm>

namespace zs::ops {

Status DropColumn::CheckIntent(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  ZS_ASSIGN_OR_RETURN(const schema::Column* column, RequireColumn(ctx, *table, op_.column));
  const auto& pk = table->primary_key;
  if (std::find(pk.begin(), pk.end(), column->physical_name) != pk.end()) {
    return InvalidInput(fmt::format(
        "{}: column \"{}\" is part of the primary key of \"{}\"; drop or change the primary key "
        "first",
        ctx.where, op_.column, op_.table));
  }
  return Status::Ok();
}

void DropColumn::Apply(const OpContext&, schema::Schema& schema) const {
  auto& columns = schema.FindTable(op_.table)->columns;
  std::erase_if(columns, [&](const schema::Column& c) { return c.name == op_.column; });
}

Result<std::vector<Action>> DropColumn::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<triggers::TriggerSpec>> DropColumn::Triggers(const OpContext& ctx) const {
  if (op_.down.empty()) return std::vector<triggers::TriggerSpec>{};
  const schema::Column* column = ctx.before->FindTable(op_.table)->FindColumn(op_.column);
  // `down` reads the table as the new version sees it: without the column.
  ZS_ASSIGN_OR_RETURN(auto spec,
                      MakeTrigger(ctx, *ctx.after->FindTable(op_.table), column->physical_name,
                                  op_.column, op_.down, triggers::Direction::kDown));
  return std::vector<triggers::TriggerSpec>{std::move(spec)};
}

Result<std::vector<Action>> DropColumn::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{
      {.id = fmt::format("drop_column:{}.{}:drop", op_.table, op_.column),
       .sql = fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {};",
                          QualifiedName(ctx, ctx.before->name, table.physical_name),
                          QuoteIdent(ctx, table.FindColumn(op_.column)->physical_name)),
       .lock = Lock::kAccessExclusive,
       .table = table.physical_name,
       .phase = CompletePhase::kFinalize}};
}

Result<std::vector<Action>> DropColumn::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status DropColumn::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbDropColumnSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> DropColumn::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropColumnSql()).Start(*this, ctx);
}

Result<std::vector<Action>> DropColumn::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropColumnSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> DropColumn::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropColumnSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
