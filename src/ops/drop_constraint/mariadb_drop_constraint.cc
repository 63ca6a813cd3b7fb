// drop_constraint on MariaDB: the column swap's MariaDB SQL (ops/mariadb_swap.h says
// what runs when, and what is refused).
#include "ops/drop_constraint/drop_constraint.h"
#include "ops/mariadb_swap.h"

namespace zs::ops {

const OperationSql<ColumnSwapOperation>& DropConstraint::MariadbSql() const {
  return MariadbSwapSql();
}

}  // namespace zs::ops
