// rename_column on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/operation_sql.h"
#include "ops/rename_column/rename_column.h"

namespace zs::ops {

const OperationSql<RenameColumn>& MariadbRenameColumnSql();

}  // namespace zs::ops
