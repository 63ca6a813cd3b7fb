// drop_table on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/drop_table/drop_table.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<DropTable>& MariadbDropTableSql();

}  // namespace zs::ops
