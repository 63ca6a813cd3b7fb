#include "ops/op_drop_table.h"

#include <fmt/format.h>

#include "pg/quote.h"

namespace zs::ops {

Status DropTable::Validate(const OpContext& ctx) const {
  return RequireTable(ctx, op_.name).status();
}

void DropTable::Apply(schema::Schema& schema) const { schema.RemoveTable(op_.name); }

std::vector<Action> DropTable::Start(const OpContext&) const { return {}; }

std::vector<Action> DropTable::Complete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.name);
  return {{.id = "drop_table:" + op_.name + ":drop",
           .sql = "DROP TABLE IF EXISTS " +
                  pg::QualifiedName(ctx.before->name, table.physical_name) + ";",
           .lock = Lock::kAccessExclusive,
           .table = table.physical_name,
           .phase = CompletePhase::kFinalize}};
}

std::vector<Action> DropTable::Rollback(const OpContext&) const { return {}; }

}  // namespace zs::ops
