#pragma once

#include "ops/operation.h"

namespace zs::ops {

// drop_table: the new version stops showing the table at start; it is dropped at
// complete, so rollback loses nothing.
class DropTable final : public Operation {
 public:
  explicit DropTable(migration::OpDropTable op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_drop_table.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpDropTable& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpDropTable op_;
};

}  // namespace zs::ops
