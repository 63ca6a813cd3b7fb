#pragma once

#include "ops/operation.h"

namespace zs::ops {

// create_table: the table is created at start (new version only sees it through its
// view; the raw table is visible to all), dropped on rollback. Every column
// and table constraint of the format is emitted in the one CREATE TABLE.
class CreateTable final : public Operation {
 public:
  explicit CreateTable(migration::OpCreateTable op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  // PostgreSQL's SQL (ops/operation_sql.h); MariaDB's is in mariadb_create_table.cc.
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  const migration::OpCreateTable& op() const { return op_; }
  std::vector<std::string> TypesUsed() const override;

 private:
  Status CheckIntent(const OpContext& ctx) const;
  Status ValidateColumns(const OpContext& ctx) const;
  Status ValidateConstraint(const OpContext& ctx, const migration::Constraint& c) const;
  Status ValidateForeignKey(const OpContext& ctx, const migration::Constraint& c,
                            const std::string& what) const;
  // The physical names of `columns` of table `table`: this table (when
  // `table` is its name) or one of ctx.before; NotFound naming the first
  // missing one.
  Result<std::vector<std::string>> ResolveColumns(const OpContext& ctx, const std::string& table,
                                                  const std::vector<std::string>& columns,
                                                  const std::string& what) const;

  migration::OpCreateTable op_;
};

}  // namespace zs::ops
