// drop_column on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/drop_column/drop_column.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<DropColumn>& MariadbDropColumnSql();

}  // namespace zs::ops
