#include "ops/op_raw_sql.h"

#include <fmt/format.h>

#include "sqlcheck/expression.h"

namespace zs::ops {

Status RawSql::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(sqlcheck::ValidateStatements(op_.up, ctx.where + " up").status());
  if (!op_.down.empty()) {
    ZS_RETURN_IF_ERROR(sqlcheck::ValidateStatements(op_.down, ctx.where + " down").status());
  }
  return Status::Ok();
}

void RawSql::Apply(schema::Schema&) const {}

std::vector<Action> RawSql::Start(const OpContext& ctx) const {
  if (op_.on_complete) return {};
  return {
      {.id = fmt::format("sql:{}:up", ctx.index), .sql = op_.up, .lock = Lock::kAccessExclusive}};
}

std::vector<Action> RawSql::Complete(const OpContext& ctx) const {
  if (!op_.on_complete) return {};
  return {{.id = fmt::format("sql:{}:up", ctx.index),
           .sql = op_.up,
           .lock = Lock::kAccessExclusive,
           .phase = CompletePhase::kRename}};
}

std::vector<Action> RawSql::Rollback(const OpContext& ctx) const {
  if (op_.down.empty() || op_.on_complete) return {};
  return {{.id = fmt::format("sql:{}:down", ctx.index),
           .sql = op_.down,
           .lock = Lock::kAccessExclusive}};
}

}  // namespace zs::ops
