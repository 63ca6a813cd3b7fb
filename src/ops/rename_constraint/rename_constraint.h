#pragma once

#include "ops/operation.h"

namespace zs::ops {

// rename_constraint: the constraint keeps its name while the migration is
// active and is renamed at complete (ALTER TABLE ... RENAME CONSTRAINT), as
// pgroll does. Start and rollback do nothing.
class RenameConstraint final : public Operation {
 public:
  explicit RenameConstraint(migration::OpRenameConstraint op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_rename_constraint.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpRenameConstraint& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpRenameConstraint op_;
};

}  // namespace zs::ops
