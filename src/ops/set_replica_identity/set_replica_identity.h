#pragma once

#include "ops/operation.h"

namespace zs::ops {

// set_replica_identity: ALTER TABLE ... REPLICA IDENTITY at start, as pgroll
// does (both versions share the table, so both see it). Complete does
// nothing. Rollback restores the identity the table had before (pgroll leaves
// the new one), read from the schema snapshot.
class SetReplicaIdentity final : public Operation {
 public:
  explicit SetReplicaIdentity(migration::OpSetReplicaIdentity op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_set_replica_identity.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpSetReplicaIdentity& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  Status ValidateIndex(const OpContext& ctx, const schema::Table& table) const;
  // "d", "f", "n" or "i" (pg_class.relreplident) for the type as written.
  std::string Code() const;

  migration::OpSetReplicaIdentity op_;
};

}  // namespace zs::ops
