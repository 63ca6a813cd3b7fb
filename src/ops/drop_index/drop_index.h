#pragma once

#include "ops/operation.h"

namespace zs::ops {

// drop_index: the index stays while the migration is active (the old version
// may rely on it) and is dropped with DROP INDEX CONCURRENTLY at complete.
// Start and rollback do nothing.
class DropIndex final : public Operation {
 public:
  explicit DropIndex(migration::OpDropIndex op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_drop_index.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpDropIndex& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpDropIndex op_;
};

}  // namespace zs::ops
