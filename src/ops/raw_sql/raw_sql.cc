#include "ops/raw_sql/raw_sql.h"

#include "ops/operation_sql.h"
#include "ops/raw_sql/mariadb_raw_sql.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/create_index/create_index.h"
#include "pg/quote.h"
#include "sqlcheck/expression.h"

namespace zs::ops {

namespace {

Status ValidateSide(sqlcheck::ExpressionChecker& checker, const std::string& sql,
                    const std::string& what) {
  ZS_ASSIGN_OR_RETURN(std::vector<sqlcheck::Statement> statements,
                      checker.CheckStatements(sql, what));
  for (const auto& statement : statements) {
    if (!statement.transaction_control) continue;
    return InvalidInput(fmt::format(
        "{}: `{}` controls the transaction; remove it: zeroshift runs the statements in a "
        "transaction of its own (and CONCURRENTLY ones outside any)",
        what, statement.text));
  }
  return Status::Ok();
}

// `text;`, with the `;` on a line of its own when the last line has a
// comment that would swallow it.
std::string Terminated(const std::string& text) {
  size_t line = text.rfind('\n');
  bool comment = text.find("--", line == std::string::npos ? 0 : line) != std::string::npos;
  return text + (comment ? "\n;" : ";");
}

// What a failed CREATE INDEX CONCURRENTLY leaves: its INVALID index.
std::string ClearFailedIndexSql(const sqlcheck::Statement& statement) {
  if (statement.index_name.empty()) return "";
  if (!statement.index_schema.empty()) {
    return DropIndexConcurrentlySql(statement.index_schema, statement.index_name);
  }
  return "DROP INDEX CONCURRENTLY IF EXISTS " + pg::QuoteIdent(statement.index_name) + ";";
}

// The lock of arbitrary SQL is unknown, so the strongest is assumed, except
// for the statements known to take SHARE UPDATE EXCLUSIVE at most.
Lock LockOf(const sqlcheck::Statement& statement) {
  return statement.share_update_exclusive ? Lock::kShareUpdateExclusive : Lock::kAccessExclusive;
}

// The actions running `sql`. Fails (never aborts) when `sql` did not pass
// ValidateSide: the planner builds the phases of operations past raw SQL in
// a dry run without validating them, and reports nothing of them.
Result<std::vector<Action>> SqlActions(sqlcheck::ExpressionChecker& checker, const std::string& sql,
                                       const std::string& id, CompletePhase phase) {
  ZS_ASSIGN_OR_RETURN(std::vector<sqlcheck::Statement> statements,
                      checker.CheckStatements(sql, id));
  Lock all = Lock::kNone;
  for (const auto& statement : statements) all = std::max(all, LockOf(statement));
  bool split = std::any_of(statements.begin(), statements.end(),
                           [](const sqlcheck::Statement& s) { return s.outside_transaction; });
  if (!split) return std::vector<Action>{{.id = id, .sql = sql, .lock = all, .phase = phase}};
  std::vector<Action> actions;
  std::string group;
  Lock group_lock = Lock::kNone;
  auto part_id = [&] { return fmt::format("{}:{}", id, actions.size() + 1); };
  auto flush = [&] {
    if (group.empty()) return;
    actions.push_back({.id = part_id(), .sql = group, .lock = group_lock, .phase = phase});
    group.clear();
    group_lock = Lock::kNone;
  };
  for (const auto& statement : statements) {
    if (!statement.outside_transaction) {
      group += (group.empty() ? "" : "\n") + Terminated(statement.text);
      group_lock = std::max(group_lock, LockOf(statement));
      continue;
    }
    flush();
    actions.push_back({.id = part_id(),
                       .sql = Terminated(statement.text),
                       .lock = LockOf(statement),
                       .transactional = false,
                       .before_retry_sql = ClearFailedIndexSql(statement),
                       .phase = phase});
  }
  flush();
  return actions;
}

}  // namespace

// Nothing the databases share: each splits and checks the statements its own way.
Status RawSql::CheckIntent(const OpContext&) const { return Status::Ok(); }

Status RawSql::PostgresSupports(const OpContext& ctx) const {
  sqlcheck::ExpressionChecker& checker = CheckerFor(ctx);
  ZS_RETURN_IF_ERROR(ValidateSide(checker, op_.up, ctx.where + " up"));
  if (!op_.down.empty()) ZS_RETURN_IF_ERROR(ValidateSide(checker, op_.down, ctx.where + " down"));
  return Status::Ok();
}

void RawSql::Apply(const OpContext&, schema::Schema&) const {}

Result<std::vector<Action>> RawSql::PostgresStart(const OpContext& ctx) const {
  if (op_.on_complete) return std::vector<Action>{};
  return SqlActions(CheckerFor(ctx), op_.up, fmt::format("sql:{}:up", ctx.index),
                    CompletePhase::kFinalize);
}

// kRename: last, in operation order among the renames, so the SQL sees the
// final shape that the operations before it give.
Result<std::vector<Action>> RawSql::PostgresComplete(const OpContext& ctx) const {
  if (!op_.on_complete) return std::vector<Action>{};
  return SqlActions(CheckerFor(ctx), op_.up, fmt::format("sql:{}:up", ctx.index),
                    CompletePhase::kRename);
}

Result<std::vector<Action>> RawSql::PostgresRollback(const OpContext& ctx) const {
  if (op_.down.empty() || op_.on_complete) return std::vector<Action>{};
  return SqlActions(CheckerFor(ctx), op_.down, fmt::format("sql:{}:down", ctx.index),
                    CompletePhase::kFinalize);
}

// The checks of the operation's intent, then what the database refuses.
Status RawSql::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbRawSqlSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> RawSql::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRawSqlSql()).Start(*this, ctx);
}

Result<std::vector<Action>> RawSql::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRawSqlSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> RawSql::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRawSqlSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
