#pragma once

#include "ops/column_swap.h"

namespace zs::ops {

// drop_constraint: drops a single-column CHECK, FOREIGN KEY or UNIQUE
// constraint. The column is duplicated (ColumnSwapOperation) WITHOUT the constraint;
// the old version keeps writing the constrained column (`down` must satisfy
// the constraint), and at complete the constraint goes with the old column.
class DropConstraint final : public ColumnSwapOperation {
 public:
  explicit DropConstraint(const migration::OpDropConstraint& op);
  const OperationSql<ColumnSwapOperation>& MariadbSql() const override;
};

}  // namespace zs::ops
