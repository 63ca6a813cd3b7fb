#pragma once

#include "ops/operation.h"

namespace zs::ops {

// rename_column: the new version's view shows the column under its new name; the
// column itself is renamed at complete.
class RenameColumn final : public Operation {
 public:
  explicit RenameColumn(migration::OpRenameColumn op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_rename_column.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpRenameColumn& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpRenameColumn op_;
};

}  // namespace zs::ops
