// create_constraint on MariaDB: the column swap's MariaDB SQL (ops/mariadb_swap.h says
// what runs when, and what is refused).
#include "ops/create_constraint/create_constraint.h"
#include "ops/mariadb_swap.h"

namespace zs::ops {

const OperationSql<ColumnSwapOperation>& CreateConstraint::MariadbSql() const {
  return MariadbSwapSql();
}

}  // namespace zs::ops
