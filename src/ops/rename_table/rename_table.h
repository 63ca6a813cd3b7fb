#pragma once

#include "ops/operation.h"

namespace zs::ops {

// rename_table: the new version's view carries the new name; the table itself is
// renamed at complete.
class RenameTable final : public Operation {
 public:
  explicit RenameTable(migration::OpRenameTable op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_rename_table.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpRenameTable& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpRenameTable op_;
};

}  // namespace zs::ops
