#pragma once

#include "ops/operation.h"

namespace zs::ops {

// sql: `up` runs at start (or at complete with onComplete), `down` on rollback.
// The statements are parsed before anything runs; the engine re-reads the
// schema afterwards because only the catalog knows what they changed.
class RawSql final : public Operation {
 public:
  explicit RawSql(migration::OpRawSql op) : op_(std::move(op)) {}
  Status Validate(const OpContext& ctx) const override;
  void Apply(schema::Schema& schema) const override;
  std::vector<Action> Start(const OpContext& ctx) const override;
  std::vector<Action> Complete(const OpContext& ctx) const override;
  std::vector<Action> Rollback(const OpContext& ctx) const override;
  bool ChangesSchemaOpaquely() const override { return true; }

 private:
  migration::OpRawSql op_;
};

}  // namespace zs::ops
