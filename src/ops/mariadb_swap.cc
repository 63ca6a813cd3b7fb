#include "ops/mariadb_swap.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "ops/column_swap_layout.h"
#include "ops/mariadb_sql.h"
#include "ops/mariadb_swap_rules.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

namespace {

// The new shape's default, parenthesised (MariaDB takes any expression so).
std::optional<std::string> MariadbSwapDefault(const swap::TempColumn& column) {
  if (!column.shape.default_expr) return std::nullopt;
  const std::string& value = *column.shape.default_expr;
  bool wrapped = value.size() >= 2 && value.front() == '(' && value.back() == ')';
  return wrapped ? value : "(" + value + ")";
}

// `temp` type [NOT NULL] [DEFAULT (...)] [COMMENT '...'] of the new shape.
std::string MariadbSwapColumnDefinition(const OpContext& ctx, const swap::TempColumn& column,
                                        bool not_null, bool with_default = true) {
  const schema::Column& shape = column.shape;
  std::string sql = MariadbQuote(ctx, column.temp) + " " + shape.type;
  if (not_null) sql += " NOT NULL";
  if (with_default && shape.default_expr) sql += " DEFAULT " + *MariadbSwapDefault(column);
  if (shape.comment) sql += " COMMENT " + ctx.backend->QuoteLiteral(*shape.comment);
  return sql;
}

// Whether start adds `column` NOT NULL already, with its constant default,
// INSTANT (the existing rows read the default until the backfill writes `up`
// over them), so complete has no table rebuild to run under the clients.
// Only with a default MariaDB adds instantly: without one, an old client's
// INSERT that leaves the column out would fail (1364, strict mode) between
// the ADD COLUMN and the dual-write trigger's creation. Not for a column in an
// added UNIQUE: its index is built at start, over rows that would all hold the
// same placeholder. Those columns become NOT NULL at complete, INPLACE.
bool MariadbSwapNotNullAtStart(const SwapSpec& spec, const swap::TempColumn& column) {
  if (column.shape.nullable) return false;
  std::optional<std::string> value = MariadbSwapDefault(column);
  if (!value || !MariadbInstantDefault(*value)) return false;
  for (const auto& added : spec.added) {
    if (added.type != 'u') continue;
    if (std::find(added.columns.begin(), added.columns.end(), column.name) != added.columns.end()) {
      return false;
    }
  }
  return true;
}

// A column of ctx.before by name: the column holding its new shape now
// (`during`: the temporary one) or after complete's swap.
std::string MariadbSwapPhysical(const swap::Layout& layout, const std::string& name, bool during) {
  for (const auto& column : layout.columns) {
    if (column.name == name) return during ? column.temp : column.old_physical;
  }
  const schema::Column* column = layout.table->FindColumn(name);
  return column == nullptr ? name : column->physical_name;
}

std::vector<std::string> MariadbSwapPhysical(const swap::Layout& layout,
                                             const std::vector<std::string>& names, bool during) {
  std::vector<std::string> out;
  for (const auto& name : names) out.push_back(MariadbSwapPhysical(layout, name, during));
  return out;
}

// The columns of the table (names in ctx.before) that `check` reads, each
// with the column holding its new value.
MariadbAliases MariadbCheckAliases(const swap::Layout& layout, const AddedConstraint& check,
                                   bool during) {
  std::vector<std::string> names;
  for (const auto& column : layout.table->columns) names.push_back(column.name);
  MariadbAliases aliases;
  for (const auto& name : sqlcheck::MariadbReferencedColumns(check.check, names)) {
    aliases.emplace_back(name, MariadbSwapPhysical(layout, name, during));
  }
  return aliases;
}

MariadbAliases MariadbForeignKeyAliases(const swap::Layout& layout, const AddedConstraint& fk) {
  MariadbAliases aliases;
  for (const auto& name : fk.columns) {
    aliases.emplace_back(name, MariadbSwapPhysical(layout, name, /*during=*/true));
  }
  return aliases;
}

std::string MariadbSwapWhat(const schema::Table& table, const std::string& column) {
  return fmt::format("column \"{}\" of table \"{}\"", column, table.name);
}

// What hangs on an old column, other than the constraint the operation
// drops, would need the swap's copies: refused.
Status MariadbSwapColumnAlone(const OpContext& ctx, const schema::Table& table,
                              const std::string& column, const std::string& dropped) {
  auto has = [&](const std::vector<std::string>& columns) {
    return std::find(columns.begin(), columns.end(), column) != columns.end();
  };
  std::string what = MariadbSwapWhat(table, column);
  for (const auto& index : table.indexes) {
    if (!has(index.columns) || (!dropped.empty() && index.name == dropped)) continue;
    return MariadbRefusal(ctx, fmt::format("{} is in index \"{}\", which zeroshift would have to "
                                           "copy onto the new column; drop the index first "
                                           "(drop_index), alter, then create it again",
                                           what, index.name));
  }
  for (const auto& constraint : table.constraints) {
    if (!has(constraint.columns) || constraint.name == dropped) continue;
    return MariadbRefusal(ctx, fmt::format("{} is in constraint \"{}\", which zeroshift would "
                                           "have to copy onto the new column; drop it first",
                                           what, constraint.name));
  }
  return Status::Ok();
}

Status MariadbSwapForeignKeySupported(const OpContext& ctx, const schema::Table& table,
                                      const AddedConstraint& fk) {
  std::string what = fmt::format("foreign key \"{}\" on table \"{}\"", fk.name, table.name);
  const auto& ref = *fk.references;
  if (fk.deferrable || fk.initially_deferred) {
    return MariadbRefusal(ctx, what +
                                   " is DEFERRABLE, and MariaDB checks every foreign key at "
                                   "once; remove `deferrable`/`initially_deferred`");
  }
  if (ref.match_type != "SIMPLE") {
    return MariadbRefusal(ctx, what + " uses MATCH " + ref.match_type +
                                   ", which InnoDB parses but does not enforce; use MATCH SIMPLE");
  }
  if (ref.on_delete == "SET DEFAULT" || ref.on_update == "SET DEFAULT" ||
      !ref.on_delete_set_columns.empty()) {
    return MariadbRefusal(ctx, what +
                                   " uses SET DEFAULT or SET NULL (columns), which InnoDB "
                                   "refuses; use NO ACTION, RESTRICT, CASCADE or SET NULL");
  }
  return Status::Ok();
}

Status MariadbSwapAddedSupported(const OpContext& ctx, const schema::Table& table,
                                 const AddedConstraint& added) {
  std::string what = fmt::format("constraint \"{}\" on table \"{}\"", added.name, table.name);
  if (added.type == 'p') {
    return MariadbRefusal(ctx, what +
                                   " is a primary key, and MariaDB changes a primary key only "
                                   "by rebuilding the table under a lock; use a unique "
                                   "constraint on NOT NULL columns instead");
  }
  if (added.type == 'u' && added.index_parameters) {
    return MariadbRefusal(ctx, what +
                                   ": index_parameters (tablespace, storage parameters, "
                                   "INCLUDE) are PostgreSQL's; remove them");
  }
  if (added.type == 'c') {
    std::string problem = sqlcheck::MariadbExpressionProblem(added.check);
    if (!problem.empty()) return MariadbRefusal(ctx, what + ": the check " + problem);
  }
  if (added.type == 'f') ZS_RETURN_IF_ERROR(MariadbSwapForeignKeySupported(ctx, table, added));
  if ((added.type == 'c' || added.type == 'f') && table.primary_key.size() != 1) {
    return MariadbRefusal(
        ctx, what +
                 ": MariaDB adds a CHECK or FOREIGN KEY online only without checking the "
                 "existing rows, and zeroshift validates them in batches of a single-column "
                 "primary key, which the table lacks; add one first");
  }
  return Status::Ok();
}

// The ALTER clause that drops the operation's dropped constraint.
std::string MariadbDropClause(const OpContext& ctx, const schema::Constraint& constraint) {
  std::string name = MariadbQuote(ctx, constraint.name);
  if (constraint.type == 'u') return "DROP INDEX IF EXISTS " + name;
  if (constraint.type == 'f') return "DROP FOREIGN KEY IF EXISTS " + name;
  return "DROP CONSTRAINT IF EXISTS " + name;
}

class MariadbSwap final : public OperationSql<ColumnSwapOperation> {
 public:
  Status Supports(const ColumnSwapOperation& op, const OpContext& ctx) const override {
    const SwapSpec& spec = op.spec();
    if (CreatedByThisMigration(ctx, spec.table)) {
      // No client has the table yet: its columns change in place (start's
      // MODIFY, below). Its constraints: in create_table.
      if (spec.added.empty() && spec.dropped.empty()) return Status::Ok();
      return MariadbRefusal(ctx, fmt::format("table \"{}\" is created by this migration; give "
                                             "its constraints their final shape in create_table",
                                             spec.table));
    }
    // Checked on the catalog, not on the swap's layout: the layout carries
    // PostgreSQL's definitions over, and would fail first on MariaDB's.
    const schema::Table* table = ctx.before->FindTable(spec.table);
    if (table == nullptr) return Status::Ok();  // Validate says it is missing
    std::vector<SwapColumn> columns = spec.columns;
    if (spec.columns_of) {
      auto listed = spec.columns_of(ctx, *table);
      if (!listed.ok()) return Status::Ok();  // the layout reports it
      columns = std::move(listed).value();
    }
    for (const auto& swapped : columns) {
      const schema::Column* column = table->FindColumn(swapped.name);
      if (column == nullptr) continue;  // the layout reports it
      ZS_RETURN_IF_ERROR(MariadbSwapColumnAlone(ctx, *table, column->physical_name, spec.dropped));
    }
    for (const auto& added : spec.added) {
      ZS_RETURN_IF_ERROR(MariadbSwapAddedSupported(ctx, *table, added));
    }
    return Status::Ok();
  }

  Result<std::vector<Action>> Start(const ColumnSwapOperation& op,
                                    const OpContext& ctx) const override {
    if (CreatedByThisMigration(ctx, op.spec().table)) return InPlace(ctx, op.spec());
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, op.spec(), false));
    const std::string& id = op.spec().id;
    const std::string& table = layout.table->physical_name;
    std::string qualified = MariadbTableName(ctx, table);
    std::vector<Action> actions;
    for (const auto& column : layout.columns) {
      std::string suffix = layout.columns.size() == 1 ? "" : ":" + column.name;
      std::optional<std::string> value = MariadbSwapDefault(column);
      bool not_null = MariadbSwapNotNullAtStart(op.spec(), column);
      // A NOT NULL column takes its constant default with it, INSTANT: the
      // existing rows read it until the backfill writes `up` over it.
      bool with_default = not_null;
      actions.push_back(MariadbAction(
          id + ":add" + suffix,
          fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}, ALGORITHM=INSTANT, LOCK=NONE;",
                      qualified, MariadbSwapColumnDefinition(ctx, column, not_null, with_default)),
          table, MariadbLock::kBrief));
      // The default for new rows only: added with a nullable column, it would
      // fill the existing rows, before the backfill, with one value.
      if (value && !with_default) {
        actions.push_back(MariadbAction(
            id + ":default" + suffix,
            fmt::format("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}, ALGORITHM=INSTANT, "
                        "LOCK=NONE;",
                        qualified, MariadbQuote(ctx, column.temp), *value),
            table, MariadbLock::kBrief));
      }
    }
    for (const auto& added : op.spec().added) {
      if (added.type == 'u') actions.push_back(UniqueIndex(ctx, id, layout, added));
      if (added.type == 'f') actions.push_back(ForeignKey(ctx, id, layout, added));
      if (added.type == 'c') {
        for (Action& trigger : CheckTriggers(ctx, id, layout, added, /*during=*/true)) {
          trigger.after_triggers = true;  // runs after the dual write has filled NEW
          actions.push_back(std::move(trigger));
        }
      }
    }
    return actions;
  }

  Result<std::vector<Action>> Complete(const ColumnSwapOperation& op,
                                       const OpContext& ctx) const override {
    // In place, start made the final shape: nothing is left to swap.
    if (CreatedByThisMigration(ctx, op.spec().table)) return std::vector<Action>{};
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, op.spec(), false));
    const std::string& id = op.spec().id;
    const std::string& table = layout.table->physical_name;
    std::string qualified = MariadbTableName(ctx, table);
    std::vector<Action> actions;
    for (const auto& added : op.spec().added) {
      if (added.type != 'c' && added.type != 'f') continue;
      MariadbAliases aliases = added.type == 'c'
                                   ? MariadbCheckAliases(layout, added, /*during=*/true)
                                   : MariadbForeignKeyAliases(layout, added);
      std::string violates =
          added.type == 'c' ? MariadbCheckViolation(added) : MariadbForeignKeyViolation(ctx, added);
      actions.push_back(MariadbAction(id + ":validate:" + added.name,
                                      MariadbValidateRows(ctx, layout, added, aliases, violates,
                                                          added.type == 'c' ? 4025 : 1452),
                                      table, MariadbLock::kReads, CompletePhase::kPrepare));
    }
    for (const auto& column : layout.columns) {
      if (column.shape.nullable || MariadbSwapNotNullAtStart(op.spec(), column)) continue;
      // The new version's view lets a client write NULL into the column that
      // is nullable until now: stop before anything is dropped.
      std::string message = fmt::format(
          "zeroshift: column {}.{} becomes NOT NULL at complete, but some rows hold NULL in it "
          "(written through version {}); give them a value through that version (USE {}; SET "
          "@zeroshift_version = '{}'; UPDATE {} SET {} = ... WHERE {} IS NULL), then run "
          "`zeroshift complete` again",
          qualified, MariadbQuote(ctx, column.name), ctx.version_schema,
          MariadbQuote(ctx, ctx.version_schema), ctx.version_schema,
          MariadbQuote(ctx, layout.table->name), MariadbQuote(ctx, column.name),
          MariadbQuote(ctx, column.name));
      actions.push_back(MariadbAction(
          id + ":check_not_null" + (layout.columns.size() == 1 ? "" : ":" + column.name),
          MariadbNoNullsStatement(ctx, table, column.temp, message), table, MariadbLock::kReads,
          CompletePhase::kPrepare));
      // Right after the check, before the group (kPrepare): the MODIFY
      // rebuilds the table, online here (LOCK=NONE: clients write through
      // it), where under the group's LOCK TABLES every client would wait for
      // the whole rebuild. The dual write keeps filling the column meanwhile
      // (a NULL `up` now fails that write, as for a column start adds NOT
      // NULL), and complete cannot be rolled back from here on.
      actions.push_back(MariadbAction(
          id + ":set_not_null" + (layout.columns.size() == 1 ? "" : ":" + column.name),
          fmt::format("ALTER TABLE {} MODIFY COLUMN IF EXISTS {}, ALGORITHM=INPLACE, LOCK=NONE;",
                      qualified, MariadbSwapColumnDefinition(ctx, column, /*not_null=*/true)),
          table, MariadbLock::kOnline, CompletePhase::kPrepare));
    }
    actions.push_back(Replace(ctx, op.spec(), layout));
    for (const auto& added : op.spec().added) {
      if (added.type != 'c') continue;
      for (Action& trigger : CheckTriggers(ctx, id, layout, added, /*during=*/false)) {
        actions.push_back(std::move(trigger));
      }
    }
    return actions;
  }

  Result<std::vector<Action>> Rollback(const ColumnSwapOperation& op,
                                       const OpContext& ctx) const override {
    // The table goes with the rollback of the create_table that made it.
    if (CreatedByThisMigration(ctx, op.spec().table)) return std::vector<Action>{};
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, op.spec(), false));
    const std::string& table = layout.table->physical_name;
    std::vector<Action> actions;
    std::string clauses;
    for (const auto& added : op.spec().added) {
      if (added.type == 'f')
        clauses += "DROP FOREIGN KEY IF EXISTS " + MariadbQuote(ctx, added.name) + ", ";
      if (added.type != 'c') continue;
      auto [insert, update] = MariadbCheckTriggerNames(added);
      for (const std::string& trigger : {insert, update}) {
        actions.push_back(MariadbAction(
            op.spec().id + ":drop_trigger:" + trigger,
            fmt::format("DROP TRIGGER IF EXISTS {}.{};", MariadbQuote(ctx, ctx.before->name),
                        MariadbQuote(ctx, trigger)),
            table, MariadbLock::kBrief));
      }
    }
    for (const auto& column : layout.columns) {
      clauses += "DROP COLUMN IF EXISTS " + MariadbQuote(ctx, column.temp) + ", ";
    }
    // The temporary columns take their indexes with them.
    actions.push_back(MariadbAction(
        op.spec().id + ":drop",
        fmt::format("ALTER TABLE {} {}LOCK=NONE;", MariadbTableName(ctx, table), clauses), table,
        MariadbLock::kBrief));
    return actions;
  }

 private:
  // A table this migration creates (empty, no version reads it yet): ONE
  // MODIFY of every changed column to its full new definition (safe to
  // repeat), as PostgreSQL changes such a table in place. Copying an empty
  // table is brief.
  static Result<std::vector<Action>> InPlace(const OpContext& ctx, const SwapSpec& spec) {
    ZS_ASSIGN_OR_RETURN(swap::Layout layout, swap::MakeLayout(ctx, spec, /*in_place=*/true));
    const std::string& table = layout.table->physical_name;
    std::string clauses;
    for (const auto& column : layout.columns) {
      clauses += (clauses.empty() ? "" : ", ") + std::string("MODIFY COLUMN ") +
                 MariadbSwapColumnDefinition(ctx, column, !column.shape.nullable);
    }
    return std::vector<Action>{
        MariadbAction(spec.id + ":in_place",
                      fmt::format("ALTER TABLE {} {};", MariadbTableName(ctx, table), clauses),
                      table, MariadbLock::kBrief)};
  }

  static Action UniqueIndex(const OpContext& ctx, const std::string& id, const swap::Layout& layout,
                            const AddedConstraint& added) {
    const std::string& table = layout.table->physical_name;
    return MariadbAction(
        id + ":unique_index:" + added.name,
        fmt::format("ALTER TABLE {} ADD UNIQUE INDEX IF NOT EXISTS {} ({}), ALGORITHM=INPLACE, "
                    "LOCK=NONE;",
                    MariadbTableName(ctx, table), MariadbQuote(ctx, added.name),
                    MariadbQuoteList(ctx, MariadbSwapPhysical(layout, added.columns, true))),
        table, MariadbLock::kOnline);
  }

  // INPLACE, LOCK=NONE only under foreign_key_checks=0, which skips the
  // existing rows: the backfill (whose UPDATEs InnoDB checks) and
  // complete's validation check them.
  static Action ForeignKey(const OpContext& ctx, const std::string& id, const swap::Layout& layout,
                           const AddedConstraint& added) {
    const std::string& table = layout.table->physical_name;
    const auto& ref = *added.references;
    const schema::Table* target = ctx.before->FindTable(ref.table);
    std::string sql = fmt::format(
        "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY IF "
        "NOT EXISTS ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}, ALGORITHM=INPLACE, "
        "LOCK=NONE;",
        MariadbTableName(ctx, table), MariadbQuote(ctx, added.name),
        MariadbQuoteList(ctx, MariadbSwapPhysical(layout, added.columns, true)),
        MariadbTableName(ctx, target->physical_name),
        MariadbQuoteList(ctx, MariadbReferencedPhysical(ctx, added)), ref.on_delete, ref.on_update);
    return MariadbAction(id + ":foreign_key:" + added.name, std::move(sql), table,
                         MariadbLock::kOnline);
  }

  static std::vector<Action> CheckTriggers(const OpContext& ctx, const std::string& id,
                                           const swap::Layout& layout, const AddedConstraint& check,
                                           bool during) {
    MariadbAliases aliases = MariadbCheckAliases(layout, check, during);
    auto [insert, update] = MariadbCheckTriggerNames(check);
    const std::string& table = layout.table->physical_name;
    std::string step = during ? ":check_trigger:" : ":final_check_trigger:";
    return {MariadbAction(id + step + insert,
                          MariadbCheckTrigger(ctx, layout, check, insert, "INSERT", aliases), table,
                          MariadbLock::kBrief),
            MariadbAction(id + step + update,
                          MariadbCheckTrigger(ctx, layout, check, update, "UPDATE", aliases), table,
                          MariadbLock::kBrief)};
  }

  // ONE ALTER: the dropped constraint and the old columns go, the temporary
  // columns take their names. Only while the first temporary column exists
  // (a catalog check in a compound statement), so a repeat after a crash
  // cannot drop the new columns.
  static Action Replace(const OpContext& ctx, const SwapSpec& spec, const swap::Layout& layout) {
    const std::string& table = layout.table->physical_name;
    std::string clauses, drop_triggers;
    if (!spec.dropped.empty()) {
      for (const auto& constraint : layout.table->constraints) {
        if (constraint.name != spec.dropped) continue;
        if (!schema::MariadbCheckByTriggers(constraint)) {
          clauses += MariadbDropClause(ctx, constraint) + ", ";
          continue;
        }
        // A CHECK enforced by triggers goes with them, in the same statement
        // as the old column (DROP TRIGGER is allowed in a compound statement).
        auto [insert, update] = MariadbCheckTriggerNames(AddedConstraint{.name = constraint.name});
        for (const std::string& trigger : {insert, update}) {
          drop_triggers +=
              fmt::format("DROP TRIGGER IF EXISTS {}.{}; ", MariadbQuote(ctx, ctx.before->name),
                          MariadbQuote(ctx, trigger));
        }
      }
    }
    for (const auto& column : layout.columns) {
      clauses += "DROP COLUMN IF EXISTS " + MariadbQuote(ctx, column.old_physical) + ", ";
    }
    for (const auto& column : layout.columns) {
      clauses += fmt::format("RENAME COLUMN {} TO {}, ", MariadbQuote(ctx, column.temp),
                             MariadbQuote(ctx, column.old_physical));
    }
    return MariadbAction(
        spec.id + ":replace",
        fmt::format("BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = {} AND TABLE_NAME = {} AND COLUMN_NAME = {}) THEN {}ALTER "
                    "TABLE {} {}LOCK=NONE; END IF; END;",
                    ctx.backend->QuoteLiteral(ctx.before->name), ctx.backend->QuoteLiteral(table),
                    ctx.backend->QuoteLiteral(layout.columns.front().temp), drop_triggers,
                    MariadbTableName(ctx, table), clauses),
        table, MariadbLock::kBrief);
  }
};

}  // namespace

const OperationSql<ColumnSwapOperation>& MariadbSwapSql() {
  static const MariadbSwap sql;
  return sql;
}

}  // namespace zs::ops
