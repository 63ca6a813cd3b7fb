#pragma once

#include "ops/column_swap.h"

namespace zs::ops {

// create_constraint: unique, check, foreign_key or primary_key over one or
// several columns of an existing table. The columns are duplicated
// (ColumnSwapOperation) with per-column `up`/`down`; the constraint is built on the
// new columns at start (UNIQUE / PRIMARY KEY as an index built CONCURRENTLY,
// CHECK and FOREIGN KEY NOT VALID) and finished at complete (ADD CONSTRAINT
// ... USING INDEX, VALIDATE). On a table created earlier in the same
// migration the constraint is added directly at start.
class CreateConstraint final : public ColumnSwapOperation {
 public:
  explicit CreateConstraint(migration::OpCreateConstraint op);
  const OperationSql<ColumnSwapOperation>& MariadbSql() const override;
  Status Validate(const OpContext& ctx) const override;

 private:
  migration::OpCreateConstraint op_;
};

}  // namespace zs::ops
