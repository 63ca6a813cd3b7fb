// raw_sql on MariaDB (docs: ../shared/design/mariadb.md; shared parts: ops/mariadb_sql.h).
#pragma once

#include "ops/operation_sql.h"
#include "ops/raw_sql/raw_sql.h"

namespace zs::ops {

const OperationSql<RawSql>& MariadbRawSqlSql();

}  // namespace zs::ops
