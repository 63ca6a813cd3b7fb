#include "ops/rename_constraint/mariadb_rename_constraint.h"

namespace zs::ops {

const OperationSql<RenameConstraint>& MariadbRenameConstraintSql() {
  static const RefusedOperationSql<RenameConstraint> sql(
      "MariaDB cannot rename a CHECK or FOREIGN KEY constraint in place (it is dropped and "
      "added again, and adding one checks or copies the table); use RENAME INDEX for a unique "
      "constraint in an `sql` operation, or keep the name");
  return sql;
}

}  // namespace zs::ops
