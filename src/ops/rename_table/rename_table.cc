#include "ops/rename_table/rename_table.h"

#include "ops/operation_sql.h"
#include "ops/rename_table/mariadb_rename_table.h"

#include <fmt/format.h>

namespace zs::ops {

Status RenameTable::CheckIntent(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireTable(ctx, op_.from).status());
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.to, "new table name"));
  if (ctx.before->FindTable(op_.to) != nullptr) {
    return Conflict(fmt::format("{}: table \"{}\" already exists", ctx.where, op_.to));
  }
  return Status::Ok();
}

void RenameTable::Apply(const OpContext&, schema::Schema& schema) const {
  schema.FindTable(op_.from)->name = op_.to;
}

Result<std::vector<Action>> RenameTable::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> RenameTable::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.from);
  return std::vector<Action>{
      {.id = "rename_table:" + op_.from + ":rename",
       .sql = fmt::format("ALTER TABLE {} RENAME TO {};",
                          QualifiedName(ctx, ctx.before->name, table.physical_name),
                          QuoteIdent(ctx, op_.to)),
       .lock = Lock::kAccessExclusive,
       .table = table.physical_name,
       .phase = CompletePhase::kRename}};
}

Result<std::vector<Action>> RenameTable::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status RenameTable::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbRenameTableSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> RenameTable::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameTableSql()).Start(*this, ctx);
}

Result<std::vector<Action>> RenameTable::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameTableSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> RenameTable::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameTableSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
