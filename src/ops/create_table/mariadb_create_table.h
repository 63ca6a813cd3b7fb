// create_table on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/create_table/create_table.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<CreateTable>& MariadbCreateTableSql();

}  // namespace zs::ops
