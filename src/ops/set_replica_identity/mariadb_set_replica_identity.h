// set_replica_identity on MariaDB (docs: ../shared/design/mariadb.md; shared parts:
// ops/mariadb_sql.h).
#pragma once

#include "ops/operation_sql.h"
#include "ops/set_replica_identity/set_replica_identity.h"

namespace zs::ops {

const OperationSql<SetReplicaIdentity>& MariadbSetReplicaIdentitySql();

}  // namespace zs::ops
