#include "ops/rename_column/rename_column.h"

#include "ops/operation_sql.h"
#include "ops/rename_column/mariadb_rename_column.h"

#include <fmt/format.h>

namespace zs::ops {

Status RenameColumn::CheckIntent(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  ZS_RETURN_IF_ERROR(RequireColumn(ctx, *table, op_.from).status());
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.to, "new column name"));
  if (table->FindColumn(op_.to) != nullptr) {
    return Conflict(
        fmt::format("{}: table \"{}\" already has a column \"{}\"", ctx.where, op_.table, op_.to));
  }
  return Status::Ok();
}

void RenameColumn::Apply(const OpContext&, schema::Schema& schema) const {
  schema.FindTable(op_.table)->FindColumn(op_.from)->name = op_.to;
}

Result<std::vector<Action>> RenameColumn::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> RenameColumn::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  const schema::Column& column = *table.FindColumn(op_.from);
  // A column that an alter_column of this migration replaced keeps its
  // physical name until that operation's finalize renames it back, so
  // renaming by the original name is right here too.
  std::string physical = column.physical_name.rfind(TemporaryColumnName(""), 0) == 0
                             ? column.physical_name.substr(TemporaryColumnName("").size())
                             : column.physical_name;
  return std::vector<Action>{
      {.id = fmt::format("rename_column:{}.{}:rename", op_.table, op_.from),
       .sql = fmt::format("ALTER TABLE {} RENAME COLUMN {} TO {};",
                          QualifiedName(ctx, ctx.before->name, table.physical_name),
                          QuoteIdent(ctx, physical), QuoteIdent(ctx, op_.to)),
       .lock = Lock::kAccessExclusive,
       .table = table.physical_name,
       .phase = CompletePhase::kRename}};
}

Result<std::vector<Action>> RenameColumn::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status RenameColumn::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbRenameColumnSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> RenameColumn::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameColumnSql()).Start(*this, ctx);
}

Result<std::vector<Action>> RenameColumn::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameColumnSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> RenameColumn::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameColumnSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
