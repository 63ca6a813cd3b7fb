#pragma once

#include "ops/column_swap.h"
#include "ops/operation.h"

namespace zs::ops {

// drop_constraint: drops a single-column CHECK, FOREIGN KEY or UNIQUE
// constraint. The column is duplicated (ColumnSwap) WITHOUT the constraint;
// the old version keeps writing the constrained column (`down` must satisfy
// the constraint), and at complete the constraint goes with the old column.
class DropConstraint final : public Operation {
 public:
  explicit DropConstraint(migration::OpDropConstraint op);
  Status Validate(const OpContext& ctx) const override;
  void Apply(schema::Schema& schema) const override;
  std::vector<Action> Start(const OpContext& ctx) const override;
  std::vector<Action> Complete(const OpContext& ctx) const override;
  std::vector<Action> Rollback(const OpContext& ctx) const override;
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;
  std::vector<BackfillTask> Backfill(const OpContext& ctx) const override;

 private:
  migration::OpDropConstraint op_;
  ColumnSwap swap_;
};

}  // namespace zs::ops
