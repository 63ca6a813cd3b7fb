#pragma once

#include "ops/operation.h"

namespace zs::ops {

// sql: `up` runs at start (or at complete with onComplete), `down` on rollback.
// The statements are parsed before anything runs. Statements PostgreSQL runs
// only outside a transaction block (CREATE INDEX CONCURRENTLY, ...) become
// actions of their own that run outside one; the statements between them run
// together, each group in one transaction. The engine re-reads the schema
// after Start because only the catalog knows what the statements changed.
class RawSql final : public Operation {
 public:
  explicit RawSql(migration::OpRawSql op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_raw_sql.cc.
  Status PostgresSupports(const OpContext& ctx) const;  // its statements, parsed
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpRawSql& op() const { return op_; }
  // With onComplete nothing runs at start, so the schema stays known.
  bool ChangesSchemaOpaquely() const override { return !op_.on_complete; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  migration::OpRawSql op_;
};

}  // namespace zs::ops
