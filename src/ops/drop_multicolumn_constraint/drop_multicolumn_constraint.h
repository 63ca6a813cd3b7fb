#pragma once

#include "ops/column_swap.h"

namespace zs::ops {

// drop_multicolumn_constraint: drops a CHECK, FOREIGN KEY or UNIQUE constraint
// over one or several columns, with `up`/`down` per column. Every column of
// the constraint is duplicated (ColumnSwapOperation) WITHOUT it; at complete the
// constraint goes with the old columns.
class DropMultiColumnConstraint final : public ColumnSwapOperation {
 public:
  explicit DropMultiColumnConstraint(const migration::OpDropMultiColumnConstraint& op);
  const OperationSql<ColumnSwapOperation>& MariadbSql() const override;
};

}  // namespace zs::ops
