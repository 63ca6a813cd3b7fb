// add_column on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/add_column/add_column.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<AddColumn>& MariadbAddColumnSql();

}  // namespace zs::ops
