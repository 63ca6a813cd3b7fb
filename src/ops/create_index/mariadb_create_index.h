// create_index on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/create_index/create_index.h"
#include "ops/operation_sql.h"

namespace zs::ops {

const OperationSql<CreateIndex>& MariadbCreateIndexSql();

}  // namespace zs::ops
