#pragma once

#include "ops/operation.h"

namespace zs::ops {

// add_column: the column is added nullable at start; `up` fills it for writes from
// older versions and for existing rows (backfill). NOT NULL without a default
// goes through CHECK (c IS NOT NULL) NOT VALID, validated and turned into SET
// NOT NULL at complete.
class AddColumn final : public Operation {
 public:
  explicit AddColumn(migration::OpAddColumn op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_add_column.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpAddColumn& op() const { return op_; }
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;
  Result<std::vector<BackfillTask>> Backfill(const OpContext& ctx) const override;
  std::vector<std::string> TypesUsed() const override;

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpAddColumn op_;
};

}  // namespace zs::ops
