#pragma once

#include "ops/operation.h"

namespace zs::ops {

// create_table: the table is created at start (new version only sees it through its
// view; the raw table is visible to all), dropped on rollback.
class CreateTable final : public Operation {
 public:
  explicit CreateTable(migration::OpCreateTable op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(schema::Schema& schema) const override;
  std::vector<Action> Start(const OpContext& ctx) const override;
  std::vector<Action> Complete(const OpContext& ctx) const override;
  std::vector<Action> Rollback(const OpContext& ctx) const override;
  std::vector<std::string> TypesUsed() const override;

 private:
  migration::OpCreateTable op_;
};

}  // namespace zs::ops
