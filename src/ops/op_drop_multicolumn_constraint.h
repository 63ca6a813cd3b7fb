#pragma once

#include "ops/column_swap.h"
#include "ops/operation.h"

namespace zs::ops {

// drop_multicolumn_constraint: drops a CHECK, FOREIGN KEY or UNIQUE constraint
// over one or several columns, with `up`/`down` per column. Every column of
// the constraint is duplicated (ColumnSwap) WITHOUT it; at complete the
// constraint goes with the old columns.
class DropMultiColumnConstraint final : public Operation {
 public:
  explicit DropMultiColumnConstraint(migration::OpDropMultiColumnConstraint op);
  Status Validate(const OpContext& ctx) const override;
  void Apply(schema::Schema& schema) const override;
  std::vector<Action> Start(const OpContext& ctx) const override;
  std::vector<Action> Complete(const OpContext& ctx) const override;
  std::vector<Action> Rollback(const OpContext& ctx) const override;
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;
  std::vector<BackfillTask> Backfill(const OpContext& ctx) const override;

 private:
  migration::OpDropMultiColumnConstraint op_;
  ColumnSwap swap_;
};

}  // namespace zs::ops
