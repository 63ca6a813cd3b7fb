// The SQL of an operation's intent on one database. What an operation means
// (validation against the virtual schema, Apply, triggers, backfill) is the
// same everywhere; the statements of its phases, and what a database cannot do
// online, differ. Each operation keeps PostgreSQL's SQL in its own methods
// (PostgresStart, PostgresComplete, PostgresRollback: the form it was written
// in) and MariaDB's in `src/ops/<name>/mariadb_<name>.*`; SqlFor picks one by
// ctx.backend. No other code asks which database it is.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "ops/operation.h"

namespace zs::ops {

template <typename Op>
class OperationSql {
 public:
  virtual ~OperationSql() = default;
  // What this database refuses of the operation, checked by the operation's
  // Validate before anything runs: an error starting with ctx.where that says
  // why and what to do instead. REQUIRES: the operation's own checks passed.
  virtual Status Supports(const Op& op, const OpContext& ctx) const = 0;
  // The phases' Actions. REQUIRES: Supports(op, ctx) succeeded.
  virtual Result<std::vector<Action>> Start(const Op& op, const OpContext& ctx) const = 0;
  virtual Result<std::vector<Action>> Complete(const Op& op, const OpContext& ctx) const = 0;
  virtual Result<std::vector<Action>> Rollback(const Op& op, const OpContext& ctx) const = 0;
};

// PostgreSQL's: the operation's own methods. An operation with checks only
// PostgreSQL needs declares PostgresSupports.
template <typename Op>
class PostgresOperationSql final : public OperationSql<Op> {
 public:
  Status Supports(const Op& op, const OpContext& ctx) const override {
    if constexpr (requires { op.PostgresSupports(ctx); }) {
      return op.PostgresSupports(ctx);
    } else {
      return Status::Ok();
    }
  }
  Result<std::vector<Action>> Start(const Op& op, const OpContext& ctx) const override {
    return op.PostgresStart(ctx);
  }
  Result<std::vector<Action>> Complete(const Op& op, const OpContext& ctx) const override {
    return op.PostgresComplete(ctx);
  }
  Result<std::vector<Action>> Rollback(const Op& op, const OpContext& ctx) const override {
    return op.PostgresRollback(ctx);
  }
};

// An operation a database cannot run without blocking (or at all): refused by
// Validate naming the operation (ctx.where: file:line:col and kind) and why;
// the phases fail the same way should a caller skip Validate.
template <typename Op>
class RefusedOperationSql final : public OperationSql<Op> {
 public:
  // `reason` completes "cannot run on <database>: ...", and says what to do.
  explicit RefusedOperationSql(const char* reason) : reason_(reason) {}
  Status Supports(const Op&, const OpContext& ctx) const override {
    return InvalidInput(
        fmt::format("{}: cannot run on {}: {}", ctx.where, ctx.backend->Name(), reason_));
  }
  Result<std::vector<Action>> Start(const Op& op, const OpContext& ctx) const override {
    return Supports(op, ctx);
  }
  Result<std::vector<Action>> Complete(const Op& op, const OpContext& ctx) const override {
    return Supports(op, ctx);
  }
  Result<std::vector<Action>> Rollback(const Op& op, const OpContext& ctx) const override {
    return Supports(op, ctx);
  }

 private:
  const char* reason_;
};

// The implementation for ctx.backend: the operation's PostgreSQL methods, or
// `mariadb`. The one place that asks which database it is.
template <typename Op>
const OperationSql<Op>& SqlFor(const OpContext& ctx, const OperationSql<Op>& mariadb) {
  static const PostgresOperationSql<Op> postgres;
  return ctx.backend->kind() == backend::Kind::kMariadb ? mariadb : postgres;
}

}  // namespace zs::ops
