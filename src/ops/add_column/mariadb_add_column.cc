#include "ops/add_column/mariadb_add_column.h"

#include <fmt/format.h>

#include "ops/column_sql.h"
#include "ops/column_swap_layout.h"
#include "ops/mariadb_sql.h"
#include "ops/mariadb_swap_rules.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

namespace {

std::string MariadbAddColumnId(const migration::OpAddColumn& op, const char* step) {
  return fmt::format("add_column:{}.{}:{}", op.table, op.column.name, step);
}

// NOT NULL without a default: existing rows get their value from `up` by the
// backfill, so the column is added nullable and made NOT NULL at complete.
bool MariadbDeferredNotNull(const migration::Column& column) {
  return !column.nullable && !column.default_value;
}

// `REFERENCES db.table (column) ON DELETE ... ON UPDATE ...`
std::string MariadbReferences(const OpContext& ctx, const migration::ForeignKeyReference& ref) {
  const schema::Table* target = ctx.before->FindTable(ref.table);
  const schema::Column* column = target != nullptr ? target->FindColumn(ref.column) : nullptr;
  return fmt::format("REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                     MariadbTableName(ctx, target != nullptr ? target->physical_name : ref.table),
                     MariadbQuote(ctx, column != nullptr ? column->physical_name : ref.column),
                     ref.on_delete, ref.on_update);
}

// Fails (SQLSTATE 23000) when a row of `table` references no row of the
// target: the check MariaDB skips when the key is added with
// foreign_key_checks=0. One compound statement, so one Action.
std::string MariadbOrphanCheck(const OpContext& ctx, const std::string& table,
                               const std::string& column,
                               const migration::ForeignKeyReference& ref) {
  const schema::Table* target = ctx.before->FindTable(ref.table);
  const schema::Column* key = target != nullptr ? target->FindColumn(ref.column) : nullptr;
  std::string message = fmt::format(
      "foreign key {} of table {}: some rows reference no row of {}; fix them, then run "
      "complete again",
      ref.name, table, ref.table);
  return fmt::format(
      "BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM {} c LEFT JOIN {} p ON p.{} = c.{} WHERE c.{} "
      "IS NOT NULL AND p.{} IS NULL) THEN SIGNAL SQLSTATE '23000' SET MESSAGE_TEXT = {}; END IF; "
      "END;",
      MariadbTableName(ctx, table),
      MariadbTableName(ctx, target != nullptr ? target->physical_name : ref.table),
      MariadbQuote(ctx, key != nullptr ? key->physical_name : ref.column),
      MariadbQuote(ctx, column), MariadbQuote(ctx, column),
      MariadbQuote(ctx, key != nullptr ? key->physical_name : ref.column),
      ctx.backend->QuoteLiteral(message));
}

// Stops complete, before anything is dropped, when a row holds NULL in a
// column that start added nullable and complete makes NOT NULL: a client of
// the new version may have written one (its view lets it), and the MODIFY
// would otherwise fail (1265) after the dual-write triggers are gone.
std::string MariadbNullCheck(const OpContext& ctx, const std::string& table,
                             const std::string& column) {
  std::string message = fmt::format(
      "zeroshift: column {}.{} becomes NOT NULL at complete, but some rows hold NULL (written "
      "through version {}); give them a value (UPDATE {} SET {} = ... WHERE {} IS NULL), then "
      "run `zeroshift complete` again",
      MariadbTableName(ctx, table), MariadbQuote(ctx, column), ctx.version_schema,
      MariadbTableName(ctx, table), MariadbQuote(ctx, column), MariadbQuote(ctx, column));
  return MariadbNoNullsStatement(ctx, table, column, message);
}

// The column's check as the swap's rules see it (ops/mariadb_swap_rules.h):
// on the table, whose new column is its own "temporary" column (the one the
// validation runs only while it exists).
struct MariadbAddedCheck {
  AddedConstraint check;
  swap::Layout layout;
  MariadbAliases aliases;  // the columns the check reads, by name
};

MariadbAddedCheck MariadbAddColumnCheck(const OpContext& ctx, const migration::OpAddColumn& op) {
  MariadbAddedCheck out;
  out.check = {.name = op.column.check->name, .type = 'c', .check = op.column.check->constraint};
  out.layout.table = ctx.before->FindTable(op.table);
  swap::TempColumn column;
  column.name = op.column.name;
  column.temp = op.column.name;
  out.layout.columns.push_back(column);
  std::vector<std::string> names{op.column.name};
  for (const auto& existing : out.layout.table->columns) names.push_back(existing.name);
  for (const auto& name : sqlcheck::MariadbReferencedColumns(out.check.check, names)) {
    const schema::Column* existing = out.layout.table->FindColumn(name);
    out.aliases.emplace_back(name, existing == nullptr ? name : existing->physical_name);
  }
  return out;
}

// Added at start with an INSTANT ADD COLUMN IF NOT EXISTS; a unique column
// gets its unique index in place while writes go on; NOT NULL without a
// default is set at complete (in place, LOCK=NONE); a foreign key is added at
// complete, after a query that checks the rows, with foreign_key_checks=0
// (the only online form); a check is a pair of triggers created once the
// dual write exists (ops/mariadb_swap_rules.h says what they catch), and the
// rows are validated in batches at complete.
class MariadbAddColumn final : public OperationSql<AddColumn> {
 public:
  Status Supports(const AddColumn& add, const OpContext& ctx) const override {
    const migration::OpAddColumn& op = add.op();
    std::string what = fmt::format("table \"{}\"", op.table);
    ZS_RETURN_IF_ERROR(MariadbColumnSupported(ctx, op.column, what));
    std::string column = fmt::format("{} column \"{}\"", what, op.column.name);
    if (op.column.check) {
      // MariaDB adds a CHECK only by copying the table under a shared lock:
      // the check is a trigger (ops/mariadb_swap_rules.h), and the rows are
      // validated in batches of the primary key at complete.
      std::string problem = sqlcheck::MariadbExpressionProblem(op.column.check->constraint);
      if (!problem.empty()) return MariadbRefusal(ctx, column + ": the check " + problem);
      if (ctx.before->FindTable(op.table)->primary_key.size() != 1) {
        return MariadbRefusal(
            ctx, column +
                     " has a check, which zeroshift enforces on MariaDB with a trigger and "
                     "validates in batches of a single-column primary key, which the table "
                     "lacks; add one first, or add the column without `check`");
      }
    }
    if (HasVolatileDefault(ctx, op.column)) {
      return MariadbRefusal(ctx, column +
                                     " has a default that is not a constant, which MariaDB "
                                     "cannot add instantly; use a constant default, or `up`");
    }
    if (op.column.references) {
      const auto& ref = *op.column.references;
      if (ref.match_type != "SIMPLE" || ref.deferrable || ref.initially_deferred) {
        return MariadbRefusal(ctx, column +
                                       " references with MATCH FULL or DEFERRABLE, which "
                                       "MariaDB does not enforce; remove them");
      }
    }
    return Status::Ok();
  }

  Result<std::vector<Action>> Start(const AddColumn& add, const OpContext& ctx) const override {
    const migration::OpAddColumn& op = add.op();
    const std::string& table = ctx.before->FindTable(op.table)->physical_name;
    std::string qualified = MariadbTableName(ctx, table);
    bool not_null = !op.column.nullable && !MariadbDeferredNotNull(op.column);
    std::vector<Action> actions;
    actions.push_back(MariadbAction(
        MariadbAddColumnId(op, "add"),
        fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}, ALGORITHM=INSTANT, LOCK=NONE;",
                    qualified, MariadbColumnDefinition(ctx, op.column, not_null)),
        table, MariadbLock::kBrief));
    if (op.column.unique) {
      actions.push_back(MariadbAction(
          MariadbAddColumnId(op, "unique_index"),
          fmt::format("ALTER TABLE {} ADD UNIQUE INDEX IF NOT EXISTS {} ({}), ALGORITHM=INPLACE, "
                      "LOCK=NONE;",
                      qualified, MariadbQuote(ctx, op.table + "_" + op.column.name + "_key"),
                      MariadbQuote(ctx, op.column.name)),
          table, MariadbLock::kOnline));
    }
    if (op.column.check) {
      MariadbAddedCheck rule = MariadbAddColumnCheck(ctx, op);
      auto [insert, update] = MariadbCheckTriggerNames(rule.check);
      const std::pair<std::string, std::string> triggers[] = {{insert, "INSERT"},
                                                              {update, "UPDATE"}};
      for (const auto& [trigger, event] : triggers) {
        Action action = MariadbAction(
            MariadbAddColumnId(op, "check_trigger") + ":" + trigger,
            MariadbCheckTrigger(ctx, rule.layout, rule.check, trigger, event, rule.aliases), table,
            MariadbLock::kBrief);
        action.after_triggers = true;  // sees what the dual write computed
        actions.push_back(std::move(action));
      }
    }
    return actions;
  }

  Result<std::vector<Action>> Complete(const AddColumn& add, const OpContext& ctx) const override {
    const migration::OpAddColumn& op = add.op();
    const std::string& table = ctx.before->FindTable(op.table)->physical_name;
    std::string qualified = MariadbTableName(ctx, table);
    std::vector<Action> actions;
    if (op.column.check) {
      MariadbAddedCheck rule = MariadbAddColumnCheck(ctx, op);
      actions.push_back(
          MariadbAction(MariadbAddColumnId(op, "validate_check"),
                        MariadbValidateRows(ctx, rule.layout, rule.check, rule.aliases,
                                            MariadbCheckViolation(rule.check), 4025),
                        table, MariadbLock::kReads, CompletePhase::kPrepare));
    }
    if (op.column.references) {
      const auto& ref = *op.column.references;
      actions.push_back(MariadbAction(MariadbAddColumnId(op, "validate_foreign_key"),
                                      MariadbOrphanCheck(ctx, table, op.column.name, ref), table,
                                      MariadbLock::kReads, CompletePhase::kPrepare));
      actions.push_back(MariadbAction(
          MariadbAddColumnId(op, "foreign_key"),
          fmt::format("SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE {} ADD CONSTRAINT {} "
                      "FOREIGN KEY IF NOT EXISTS ({}) {}, ALGORITHM=INPLACE, LOCK=NONE;",
                      qualified, MariadbQuote(ctx, ref.name), MariadbQuote(ctx, op.column.name),
                      MariadbReferences(ctx, ref)),
          table, MariadbLock::kOnline, CompletePhase::kPrepare));
    }
    if (MariadbDeferredNotNull(op.column)) {
      actions.push_back(MariadbAction(MariadbAddColumnId(op, "check_not_null"),
                                      MariadbNullCheck(ctx, table, op.column.name), table,
                                      MariadbLock::kReads, CompletePhase::kPrepare));
      // MODIFY restates the whole definition, so a repeat is a no-op. A
      // table rebuild: online here, right after the check and while the dual
      // write still fills the column (old clients' INSERTs leave it to the
      // trigger); in the group, under LOCK TABLES, every client would wait
      // for the whole rebuild.
      actions.push_back(MariadbAction(
          MariadbAddColumnId(op, "set_not_null"),
          fmt::format("ALTER TABLE {} MODIFY COLUMN {}, ALGORITHM=INPLACE, LOCK=NONE;", qualified,
                      MariadbColumnDefinition(ctx, op.column, /*not_null=*/true)),
          table, MariadbLock::kOnline, CompletePhase::kPrepare));
    }
    return actions;
  }

  Result<std::vector<Action>> Rollback(const AddColumn& add, const OpContext& ctx) const override {
    const migration::OpAddColumn& op = add.op();
    const std::string& table = ctx.before->FindTable(op.table)->physical_name;
    std::vector<Action> actions;
    if (op.column.check) {
      auto [insert, update] = MariadbCheckTriggerNames(MariadbAddColumnCheck(ctx, op).check);
      for (const std::string& trigger : {insert, update}) {
        actions.push_back(MariadbAction(
            MariadbAddColumnId(op, "drop_check_trigger") + ":" + trigger,
            fmt::format("DROP TRIGGER IF EXISTS {}.{};", MariadbQuote(ctx, ctx.before->name),
                        MariadbQuote(ctx, trigger)),
            table, MariadbLock::kBrief));
      }
    }
    actions.push_back(
        MariadbAction(MariadbAddColumnId(op, "drop"),
                      fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {}, LOCK=NONE;",
                                  MariadbTableName(ctx, table), MariadbQuote(ctx, op.column.name)),
                      table, MariadbLock::kBrief));
    return actions;
  }
};

}  // namespace

const OperationSql<AddColumn>& MariadbAddColumnSql() {
  static const MariadbAddColumn sql;
  return sql;
}

}  // namespace zs::ops
