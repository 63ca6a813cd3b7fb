#pragma once

#include "ops/operation.h"

namespace zs::ops {

// drop_column: the new version stops showing the column at start; `down` fills it
// for writes from the new version; it is dropped at complete.
class DropColumn final : public Operation {
 public:
  explicit DropColumn(migration::OpDropColumn op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_drop_column.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpDropColumn& op() const { return op_; }
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpDropColumn op_;
};

}  // namespace zs::ops
