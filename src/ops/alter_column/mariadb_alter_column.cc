// alter_column on MariaDB: the column swap (ops/mariadb_swap.h) for every
// change it makes: type, nullable (both ways), default, comment, unique,
// check (enforced by a trigger) and references. Measured on 10.11.19
// (docs/mariadb.md): a NOT NULL change is never INSTANT, only INPLACE,
// LOCK=NONE with a rebuild, and it fails on the existing NULLs, while the
// old version keeps writing them: so the new column is filled by `up` and
// made NOT NULL at complete. A default and a comment alone are INSTANT, but
// changed in place they would change what the old version reads and writes
// (PostgreSQL's swap keeps the old column's): they ride the swap too.
#include "ops/alter_column/alter_column.h"
#include "ops/mariadb_swap.h"

namespace zs::ops {

const OperationSql<ColumnSwapOperation>& AlterColumn::MariadbSql() const {
  return MariadbSwapSql();
}

}  // namespace zs::ops
