// alter_column on MariaDB: the column swap without its copies of indexes and
// constraints. Start adds the temporary column (INSTANT) with the new type
// and comment, nullable, then its default (for new rows only), plus its unique index built in
// place; the dual-write triggers and the backfill are the swap's own (backend-neutral
// TriggerSpecs). Complete makes it NOT NULL in place, then, in ONE ALTER, drops
// the old column and gives the temporary one its name; that ALTER runs only
// while the temporary column exists (a catalog check in a compound
// statement), so a repeat after a crash cannot drop the new column.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "ops/alter_column/alter_column.h"
#include "ops/column_swap_layout.h"
#include "ops/mariadb_sql.h"
#include "ops/operation_sql.h"

namespace zs::ops {

namespace {

// `temp` type [NOT NULL] [DEFAULT (...)] [COMMENT '...'] of the new shape.
// The new shape's default, parenthesised (MariaDB takes any expression so).
std::optional<std::string> MariadbSwapDefault(const swap::TempColumn& column) {
  if (!column.shape.default_expr) return std::nullopt;
  const std::string& value = *column.shape.default_expr;
  bool wrapped = value.size() >= 2 && value.front() == '(' && value.back() == ')';
  return wrapped ? value : "(" + value + ")";
}

std::string MariadbSwapColumnDefinition(const OpContext& ctx, const swap::TempColumn& column,
                                        bool not_null, bool with_default = true) {
  const schema::Column& shape = column.shape;
  std::string sql = MariadbQuote(ctx, column.temp) + " " + shape.type;
  if (not_null) sql += " NOT NULL";
  if (with_default && shape.default_expr) sql += " DEFAULT " + *MariadbSwapDefault(column);
  if (shape.comment) sql += " COMMENT " + ctx.backend->QuoteLiteral(*shape.comment);
  return sql;
}

// What hangs on the column and would need the swap's copies: refused.
Status MariadbColumnAlone(const OpContext& ctx, const schema::Table& table,
                          const std::string& column) {
  auto has = [&](const std::vector<std::string>& columns) {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
  };
  std::string what = fmt::format("column \"{}\" of table \"{}\"", column, table.name);
  for (const auto& index : table.indexes) {
    if (!has(index.columns)) continue;
    return MariadbRefusal(ctx, fmt::format("{} is in index \"{}\", which zeroshift would have to "
                                           "copy onto the new column; drop the index first "
                                           "(drop_index), alter, then create it again",
                                           what, index.name));
  }
  for (const auto& constraint : table.constraints) {
    if (!has(constraint.columns)) continue;
    return MariadbRefusal(ctx, fmt::format("{} is in constraint \"{}\", which zeroshift would "
                                           "have to copy onto the new column; drop it first",
                                           what, constraint.name));
  }
  return Status::Ok();
}

class MariadbAlterColumn final : public OperationSql<ColumnSwapOperation> {
 public:
  Status Supports(const ColumnSwapOperation& swap_op, const OpContext& ctx) const override {
    const migration::OpAlterColumn& op = static_cast<const AlterColumn&>(swap_op).op();
    std::string what = fmt::format("column \"{}\" of table \"{}\"", op.column, op.table);
    if (op.check || op.references) {
      return MariadbRefusal(
          ctx, what +
                   ": a check or foreign key on the new column needs MariaDB to copy the table "
                   "(CHECK) or zeroshift's MariaDB triggers to enforce it, which they do not "
                   "yet; alter the column without `check`/`references`");
    }
    if (CreatedByThisMigration(ctx, op.table)) {
      return MariadbRefusal(ctx, fmt::format("table \"{}\" is created by this migration; give "
                                             "the column its final shape in create_table",
                                             op.table));
    }
    const schema::Table& table = *ctx.before->FindTable(op.table);
    const schema::Column* column = table.FindColumn(op.column);
    if (column == nullptr) return Status::Ok();  // the swap's layout says it is missing
    return MariadbColumnAlone(ctx, table, column->physical_name);
  }

  Result<std::vector<Action>> Start(const ColumnSwapOperation& swap_op,
                                    const OpContext& ctx) const override {
    const migration::OpAlterColumn& op = static_cast<const AlterColumn&>(swap_op).op();
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, swap_op.spec(), false));
    const swap::TempColumn& column = layout.columns.front();
    const std::string& table = layout.table->physical_name;
    std::vector<Action> actions;
    actions.push_back(MariadbAction(
        swap_op.spec().id + ":add",
        fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}, ALGORITHM=INSTANT, LOCK=NONE;",
                    MariadbTableName(ctx, table),
                    MariadbSwapColumnDefinition(ctx, column, /*not_null=*/false,
                                                /*with_default=*/false)),
        table, MariadbLock::kBrief));
    // The default for new rows only: added with the column, it would fill
    // the existing rows, before the backfill, with one value.
    if (std::optional<std::string> value = MariadbSwapDefault(column)) {
      actions.push_back(MariadbAction(
          swap_op.spec().id + ":default",
          fmt::format("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}, ALGORITHM=INSTANT, "
                      "LOCK=NONE;",
                      MariadbTableName(ctx, table), MariadbQuote(ctx, column.temp), *value),
          table, MariadbLock::kBrief));
    }
    if (op.unique) {
      actions.push_back(MariadbAction(
          swap_op.spec().id + ":unique_index",
          fmt::format("ALTER TABLE {} ADD UNIQUE INDEX IF NOT EXISTS {} ({}), ALGORITHM=INPLACE, "
                      "LOCK=NONE;",
                      MariadbTableName(ctx, table), MariadbQuote(ctx, op.unique->name),
                      MariadbQuote(ctx, column.temp)),
          table, MariadbLock::kOnline));
    }
    return actions;
  }

  Result<std::vector<Action>> Complete(const ColumnSwapOperation& swap_op,
                                       const OpContext& ctx) const override {
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, swap_op.spec(), false));
    const swap::TempColumn& column = layout.columns.front();
    const std::string& table = layout.table->physical_name;
    std::string qualified = MariadbTableName(ctx, table);
    std::vector<Action> actions;
    if (!column.shape.nullable) {
      actions.push_back(MariadbAction(
          swap_op.spec().id + ":set_not_null",
          fmt::format("ALTER TABLE {} MODIFY COLUMN IF EXISTS {}, ALGORITHM=INPLACE, LOCK=NONE;",
                      qualified, MariadbSwapColumnDefinition(ctx, column, /*not_null=*/true)),
          table, MariadbLock::kOnline));
    }
    actions.push_back(MariadbAction(
        swap_op.spec().id + ":replace",
        fmt::format("BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = {} AND TABLE_NAME = {} AND COLUMN_NAME = {}) THEN ALTER "
                    "TABLE {} DROP COLUMN IF EXISTS {}, RENAME COLUMN {} TO {}, LOCK=NONE; END "
                    "IF; END;",
                    ctx.backend->QuoteLiteral(ctx.before->name), ctx.backend->QuoteLiteral(table),
                    ctx.backend->QuoteLiteral(column.temp), qualified,
                    MariadbQuote(ctx, column.old_physical), MariadbQuote(ctx, column.temp),
                    MariadbQuote(ctx, column.old_physical)),
        table, MariadbLock::kBrief));
    return actions;
  }

  Result<std::vector<Action>> Rollback(const ColumnSwapOperation& swap_op,
                                       const OpContext& ctx) const override {
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, swap_op.spec(), false));
    const std::string& table = layout.table->physical_name;
    return std::vector<Action>{MariadbAction(
        swap_op.spec().id + ":drop",
        fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}, LOCK=NONE;",
                    MariadbTableName(ctx, table), MariadbQuote(ctx, layout.columns.front().temp)),
        table, MariadbLock::kBrief)};
  }
};

}  // namespace

const OperationSql<ColumnSwapOperation>& AlterColumn::MariadbSql() const {
  static const MariadbAlterColumn sql;
  return sql;
}

}  // namespace zs::ops
