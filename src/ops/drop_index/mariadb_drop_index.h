// drop_index on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/drop_index/drop_index.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<DropIndex>& MariadbDropIndexSql();

}  // namespace zs::ops
