#pragma once

#include "ops/operation.h"

namespace zs::ops {

// create_index: built with CREATE INDEX CONCURRENTLY at start, so writes go on
// (the new version uses the index; the old one is unaffected by an index), then
// checked to be valid. Complete does nothing; rollback drops it CONCURRENTLY.
// The index keeps the name given.
class CreateIndex final : public Operation {
 public:
  explicit CreateIndex(migration::OpCreateIndex op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_create_index.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpCreateIndex& op() const { return op_; }

 private:
  Status CheckIntent(const OpContext& ctx) const;
  Status ValidateField(const OpContext& ctx, const schema::Table& table,
                       const migration::IndexField& field) const;
  Status ValidatePredicate(const OpContext& ctx, const schema::Table& table) const;
  // CREATE [UNIQUE] INDEX [CONCURRENTLY] ... as run (or, without
  // concurrently, as the virtual schema records it).
  std::string CreateSql(const OpContext& ctx, const schema::Schema& before,
                        bool concurrently) const;

  migration::OpCreateIndex op_;
};

// A statement that fails, naming the index and how to drop it, unless index
// `index` of `schema` exists and is valid (pg_index.indisvalid).
std::string IndexValidCheckSql(const std::string& schema, const std::string& index,
                               const std::string& table);

// DROP INDEX CONCURRENTLY IF EXISTS "schema"."index";
std::string DropIndexConcurrentlySql(const std::string& schema, const std::string& index);

}  // namespace zs::ops
