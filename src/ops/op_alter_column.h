#pragma once

#include "ops/operation.h"

namespace zs::ops {

// alter_column (type, nullable, default, comment): a temporary column with the new
// definition is added at start and kept in step with the old one by `up`
// (older versions' writes) and `down` (the new version's writes); at complete
// the old column is dropped and the temporary one takes its name.
class AlterColumn final : public Operation {
 public:
  explicit AlterColumn(migration::OpAlterColumn op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(schema::Schema& schema) const override;
  std::vector<Action> Start(const OpContext& ctx) const override;
  std::vector<Action> Complete(const OpContext& ctx) const override;
  std::vector<Action> Rollback(const OpContext& ctx) const override;
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;
  std::vector<BackfillTask> Backfill(const OpContext& ctx) const override;
  std::vector<std::string> TypesUsed() const override;

 private:
  migration::OpAlterColumn op_;
};

}  // namespace zs::ops
