// rename_constraint on MariaDB (docs: ../shared/design/mariadb.md; shared parts:
// ops/mariadb_sql.h).
#pragma once

#include "ops/operation_sql.h"
#include "ops/rename_constraint/rename_constraint.h"

namespace zs::ops {

const OperationSql<RenameConstraint>& MariadbRenameConstraintSql();

}  // namespace zs::ops
