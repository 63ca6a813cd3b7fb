// One class per operation of the migration format. An operation validates
// itself against the schema the previous operations left, describes its effect
// on that (virtual) schema, and returns the Actions of each phase. It never
// runs SQL: the engine does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "backend/postgres_backend.h"
#include "core/status.h"
#include "migration/migration.h"
#include "ops/action.h"
#include "ops/names.h"
#include "schema/schema.h"
#include "sqlcheck/checker.h"
#include "triggers/dual_write.h"

namespace zs::ops {

struct OpContext {
  int index = 0;                           // position of the operation in the migration
  std::string version_schema;              // the schema of the version this migration creates
  const schema::Schema* before = nullptr;  // virtual schema before this operation
  const schema::Schema* after = nullptr;   // virtual schema after it (Apply of before)
  // The schema before the migration's first operation (the old version's
  // tables); nullptr when unknown. A table of `before` missing here was created
  // by an earlier operation of this migration, so no old version reads it.
  const schema::Schema* base = nullptr;
  std::string where;  // "file:line:col <kind>" for messages
  // The database the SQL is for: quoting, capabilities and, through SqlFor
  // (ops/operation_sql.h), the implementation of each operation's SQL.
  // Never null; the engine sets it from the plan's input.
  const backend::Backend* backend = &backend::Postgres();
  // Checks the user's SQL (up, down, check, default, predicates, types, the
  // sql operation, new names) the way `backend`'s database reads it; the
  // engine sets it from the plan's input (sqlcheck::ExpressionCheckerFor).
  // Null where no server is at hand (golden plan tests, offline plans):
  // CheckerFor then gives PostgreSQL's, which needs none and is what ran
  // before the checker was part of the context.
  sqlcheck::ExpressionChecker* checker = nullptr;
};

// ctx.checker, or PostgreSQL's checker when it is null.
sqlcheck::ExpressionChecker& CheckerFor(const OpContext& ctx);

// `table`'s columns as an expression over it sees them (virtual names).
sqlcheck::VisibleTable VisibleTableOf(const schema::Table& table);

// Checks an expression the DDL stores (a default, a check, a generated
// column, an index predicate) over `table`: one expression, known functions.
// Names it reads that `table` lacks are left for the caller (in
// CheckedExpression::unknown_columns), as the database refuses most of them
// when the DDL runs. Messages start with `what`.
Result<sqlcheck::CheckedExpression> CheckStoredExpression(const OpContext& ctx,
                                                          const sqlcheck::VisibleTable& table,
                                                          const std::string& expression,
                                                          const std::string& what);

class Operation {
 public:
  virtual ~Operation() = default;

  // Checks names, expressions and the objects referred to against ctx.before.
  // Error messages start with ctx.where and name the table/column.
  virtual Status Validate(const OpContext& ctx) const = 0;

  // The operation's effect on the virtual schema (what the new version sees):
  // `schema` starts as a copy of *ctx.before. The context tells, for one, whether
  // a table was created by this migration (ctx.base).
  // REQUIRES: Validate(ctx) succeeded.
  virtual void Apply(const OpContext& ctx, schema::Schema& schema) const = 0;

  // The phases below fail only on what Validate(ctx) would have refused (the
  // planner calls them for operations it could not validate too: after raw
  // SQL in a dry run); an error says where and why.

  // Expand: new tables, columns, constraints NOT VALID. Runs in order.
  virtual Result<std::vector<Action>> Start(const OpContext& ctx) const = 0;

  // Dual-write triggers to install after Start's actions and to remove at
  // complete (with the table's finalize actions) or rollback. Errors here are
  // about `up`/`down` (checked against ctx.before and ctx.after).
  // REQUIRES: *ctx.after is Apply(*ctx.before).
  virtual Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext&) const {
    return std::vector<triggers::TriggerSpec>{};
  }

  // Rows to rewrite through the triggers once they exist.
  virtual Result<std::vector<BackfillTask>> Backfill(const OpContext&) const {
    return std::vector<BackfillTask>{};
  }

  // Contract. The engine orders these by CompletePhase, then operation order.
  virtual Result<std::vector<Action>> Complete(const OpContext& ctx) const = 0;

  // Undo Start (run in reverse operation order, after triggers and the new
  // version schema are gone).
  virtual Result<std::vector<Action>> Rollback(const OpContext& ctx) const = 0;

  // True when the operation changes the schema in ways only the catalog
  // knows (raw SQL): the engine re-reads the schema after its Start.
  virtual bool ChangesSchemaOpaquely() const { return false; }

  // Type names the operation uses, checked against the server before anything runs.
  virtual std::vector<std::string> TypesUsed() const { return {}; }
};

// Quoting in the SQL an operation builds, by the database's own rules
// (Backend::QuoteIdentifier, QuoteLiteral); on PostgreSQL the same text as
// pg::QuoteIdent and friends.
std::string QuoteIdent(const backend::Backend& backend, std::string_view name);
std::string QuoteIdent(const OpContext& ctx, std::string_view name);
// "schema"."name" (MariaDB: `database`.`name`).
std::string QualifiedName(const backend::Backend& backend, std::string_view schema,
                          std::string_view name);
std::string QualifiedName(const OpContext& ctx, std::string_view schema, std::string_view name);
// The names quoted, separated by ", ".
std::string QuoteIdentList(const backend::Backend& backend, const std::vector<std::string>& names);
std::string QuoteIdentList(const OpContext& ctx, const std::vector<std::string>& names);
std::string QuoteLiteral(const OpContext& ctx, std::string_view value);

// Shared checks used by several operations. Each returns a message that
// starts with ctx.where.
Result<const schema::Table*> RequireTable(const OpContext& ctx, const std::string& table);
Result<const schema::Column*> RequireColumn(const OpContext& ctx, const schema::Table& table,
                                            const std::string& column);
Status RequireNewIdentifier(const OpContext& ctx, const std::string& name, const char* what);

// A trigger that assigns `expression` to `target_column` of `table`, binding
// the names the expression refers to among `visible` columns (virtual name ->
// physical column).
Result<triggers::TriggerSpec> MakeTrigger(const OpContext& ctx, const schema::Table& visible,
                                          const std::string& target_physical_column,
                                          const std::string& name_column,
                                          const std::string& expression,
                                          triggers::Direction direction);

}  // namespace zs::ops
