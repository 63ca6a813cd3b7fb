#include "ops/drop_table/drop_table.h"

#include "ops/drop_table/mariadb_drop_table.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

namespace zs::ops {

Status DropTable::CheckIntent(const OpContext& ctx) const {
  return RequireTable(ctx, op_.name).status();
}

void DropTable::Apply(const OpContext&, schema::Schema& schema) const {
  schema.RemoveTable(op_.name);
}

Result<std::vector<Action>> DropTable::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

Result<std::vector<Action>> DropTable::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.name);
  return std::vector<Action>{{.id = "drop_table:" + op_.name + ":drop",
                              .sql = "DROP TABLE IF EXISTS " +
                                     QualifiedName(ctx, ctx.before->name, table.physical_name) +
                                     ";",
                              .lock = Lock::kAccessExclusive,
                              .table = table.physical_name,
                              .phase = CompletePhase::kFinalize}};
}

Result<std::vector<Action>> DropTable::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status DropTable::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbDropTableSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> DropTable::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropTableSql()).Start(*this, ctx);
}

Result<std::vector<Action>> DropTable::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropTableSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> DropTable::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropTableSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
