#pragma once

#include "ops/column_swap.h"

namespace zs::ops {

// alter_column: type, nullable, default, comment, check, unique and references,
// in any combination. The column is duplicated (ColumnSwapOperation): the temporary
// column has the new definition, the new constraints (UNIQUE as an index built
// CONCURRENTLY, CHECK and FOREIGN KEY NOT VALID) and copies of every index and
// constraint of the old one; `up` and `down` keep both in step. At complete the
// old column is dropped and the temporary one takes its name.
class AlterColumn final : public ColumnSwapOperation {
 public:
  explicit AlterColumn(migration::OpAlterColumn op);
  Status Validate(const OpContext& ctx) const override;
  std::vector<std::string> TypesUsed() const override;
  // mariadb_alter_column.cc
  const OperationSql<ColumnSwapOperation>& MariadbSql() const override;
  const migration::OpAlterColumn& op() const { return op_; }

 private:
  migration::OpAlterColumn op_;
};

}  // namespace zs::ops
