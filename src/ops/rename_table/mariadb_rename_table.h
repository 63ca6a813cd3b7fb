// rename_table on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/operation_sql.h"
#include "ops/rename_table/rename_table.h"

namespace zs::ops {

const OperationSql<RenameTable>& MariadbRenameTableSql();

}  // namespace zs::ops
