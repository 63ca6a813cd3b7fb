// set_replica_identity is PostgreSQL's alone: refused on MariaDB, naming the
// operation, the table and why, before anything runs (and by each phase,
// should a caller skip Validate).
#include "ops/set_replica_identity/mariadb_set_replica_identity.h"

#include <fmt/format.h>

#include "ops/mariadb_sql.h"

namespace zs::ops {

namespace {

class MariadbSetReplicaIdentity final : public OperationSql<SetReplicaIdentity> {
 public:
  Status Supports(const SetReplicaIdentity& op, const OpContext& ctx) const override {
    return MariadbRefusal(
        ctx, fmt::format("replica identity is PostgreSQL's logical decoding setting; MariaDB's "
                         "binary log carries whole rows (binlog_row_image=FULL, a server "
                         "setting), so there is nothing to set on table \"{}\": remove the "
                         "operation",
                         op.op().table));
  }
  Result<std::vector<Action>> Start(const SetReplicaIdentity& op,
                                    const OpContext& ctx) const override {
    return Supports(op, ctx);
  }
  Result<std::vector<Action>> Complete(const SetReplicaIdentity& op,
                                       const OpContext& ctx) const override {
    return Supports(op, ctx);
  }
  Result<std::vector<Action>> Rollback(const SetReplicaIdentity& op,
                                       const OpContext& ctx) const override {
    return Supports(op, ctx);
  }
};

}  // namespace

const OperationSql<SetReplicaIdentity>& MariadbSetReplicaIdentitySql() {
  static const MariadbSetReplicaIdentity sql;
  return sql;
}

}  // namespace zs::ops
