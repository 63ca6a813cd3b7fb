// The step that changes a column's rules without breaking the old version:
// each column is DUPLICATED as a temporary column (TemporaryColumnName) with
// the new shape, kept in step by `up` (the old version's writes -> new
// column) and `down` (the new version's writes -> old column), backfilled, and
// shown under the real name by the new version's views. Every index and
// constraint of the table that involves the columns is duplicated onto the
// temporary columns (indexes CONCURRENTLY, checks and foreign keys NOT VALID).
// At complete the old columns are dropped with what hangs on them, and the
// temporary columns and duplicates take the original names.
//
// alter_column, create_constraint, drop_constraint and
// drop_multicolumn_constraint are built on it (ColumnSwapOperation). On a table created by an
// earlier operation of the same migration no old version reads the table, so
// the change is made in place at start instead.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "migration/migration.h"
#include "ops/operation.h"

namespace zs::ops {

template <typename Op>
class OperationSql;  // ops/operation_sql.h

// One column to duplicate, and how the new column differs from it.
struct SwapColumn {
  std::string name;  // the column's name in ctx.before
  std::optional<std::string> type;
  std::optional<bool> nullable;
  std::optional<migration::NullableString> default_value;  // is_null: no default
  std::optional<migration::NullableString> comment;        // is_null: no comment
  std::string up;    // the old version's writes -> new column; "" copies the value
  std::string down;  // the new version's writes -> old column; "" copies the value
};

// A constraint the new columns get. It has its final name from start on.
struct AddedConstraint {
  std::string name;
  char type = 'u';                   // 'u' unique, 'p' primary key, 'c' check, 'f' foreign key
  std::vector<std::string> columns;  // column names in ctx.before ('u', 'p', 'f')
  std::string check;                 // 'c': an expression over the table's column names
  bool no_inherit = false;           // 'c'
  std::optional<migration::IndexParameters> index_parameters;     // 'u', 'p'
  std::optional<migration::TableForeignKeyReference> references;  // 'f': names in ctx.before
  bool deferrable = false;                                        // 'f'
  bool initially_deferred = false;                                // 'f'
};

// The columns to duplicate when they depend on the table (drop_constraint:
// the dropped constraint's columns). Errors start with ctx.where.
using ColumnsOf = std::function<Result<std::vector<SwapColumn>>(const OpContext& ctx,
                                                                const schema::Table& table)>;

struct SwapSpec {
  std::string id;     // prefix of the action ids, e.g. "alter_column:users.email"
  std::string table;  // the table's name in ctx.before
  std::vector<SwapColumn> columns;
  ColumnsOf columns_of;  // when set, gives the columns instead of `columns`
  std::vector<AddedConstraint> added;
  std::string dropped;  // a constraint of the table the new columns do not get; "" for none
};

// True when `table` (a name in ctx.before) was created by an earlier
// operation of this migration: no old version reads it.
bool CreatedByThisMigration(const OpContext& ctx, const std::string& table);

// The CHECK, FOREIGN KEY or UNIQUE constraint `name` of `table` that
// drop_constraint and drop_multicolumn_constraint drop; an error naming the
// table's constraints when there is none (other kinds cannot be dropped so).
Result<const schema::Constraint*> RequireDroppableConstraint(const OpContext& ctx,
                                                             const schema::Table& table,
                                                             const std::string& name);

// Identifiers zeroshift makes up are cut to PostgreSQL's 63 bytes (within
// MariaDB's 64 characters too) with a stable hash of the whole name, so that
// long names stay distinct.
std::string FitIdentifier(const std::string& name);

// The base of the operations built on a swap (alter_column, create_constraint,
// drop_constraint, drop_multicolumn_constraint): each gives its SwapSpec, and
// may check more in Validate before calling this one. The layout of the swap
// (what it builds on the table) is worked out from each phase's context, so
// the operation holds nothing but its spec. Its code is split by concern:
// column_swap_layout.cc (the layout), column_swap_sql.cc (each phase's SQL).
class ColumnSwapOperation : public Operation {
 public:
  // Checks the columns, everything that hangs on them (indexes, constraints,
  // foreign keys of other tables) and the added constraints against
  // ctx.before. Messages start with ctx.where.
  Status Validate(const OpContext& ctx) const override;

  // The phases fail when the layout cannot be built (what Validate refuses).
  Result<std::vector<Action>> Start(const OpContext& ctx) const override;
  // The new version's shape; `schema` keeps it when the layout cannot be built.
  void Apply(const OpContext& ctx, schema::Schema& schema) const override;
  Result<std::vector<triggers::TriggerSpec>> Triggers(const OpContext& ctx) const override;
  Result<std::vector<BackfillTask>> Backfill(const OpContext& ctx) const override;
  Result<std::vector<Action>> Complete(const OpContext& ctx) const override;
  Result<std::vector<Action>> Rollback(const OpContext& ctx) const override;

  const SwapSpec& spec() const { return spec_; }

  // PostgreSQL's SQL (ops/operation_sql.h: SqlFor picks it or MariadbSql()).
  Result<std::vector<Action>> PostgresStart(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresComplete(const OpContext& ctx) const;
  Result<std::vector<Action>> PostgresRollback(const OpContext& ctx) const;
  // MariaDB's: each operation gives its own (ops/mariadb_swap.h; its refusals name why).
  virtual const OperationSql<ColumnSwapOperation>& MariadbSql() const = 0;

 protected:
  explicit ColumnSwapOperation(SwapSpec spec) : spec_(std::move(spec)) {}

 private:
  SwapSpec spec_;
};

}  // namespace zs::ops
