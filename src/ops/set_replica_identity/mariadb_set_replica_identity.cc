#include "ops/set_replica_identity/mariadb_set_replica_identity.h"

namespace zs::ops {

const OperationSql<SetReplicaIdentity>& MariadbSetReplicaIdentitySql() {
  static const RefusedOperationSql<SetReplicaIdentity> sql(
      "replica identity is PostgreSQL's logical decoding setting; MariaDB's binary log carries "
      "whole rows (binlog_row_image=FULL), so there is nothing to set: remove the operation");
  return sql;
}

}  // namespace zs::ops
