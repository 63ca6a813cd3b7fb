#include "ops/add_column/add_column.h"

#include "ops/add_column/mariadb_add_column.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

#include "ops/column_sql.h"

namespace zs::ops {

namespace {

// NOT NULL that existing rows cannot satisfy at once: enforced for new writes
// by a NOT VALID check until complete validates it without a long lock.
// A volatile default counts as none here: it is set after ADD COLUMN (which
// would otherwise rewrite the table) and existing rows get it by backfill.
bool NeedsDeferredNotNull(const OpContext& ctx, const migration::Column& column) {
  return !column.nullable && (!column.default_value || HasVolatileDefault(ctx, column));
}

// `up`, or for a volatile default without one, the default for the rows that
// have no value yet (the backfill's), keeping the value of those that do.
std::string EffectiveUp(const OpContext& ctx, const migration::OpAddColumn& op) {
  if (!op.up.empty() || !HasVolatileDefault(ctx, op.column)) return op.up;
  return fmt::format("coalesce({}, {})", QuoteIdent(ctx, op.column.name),
                     EmbedExpression(ctx, *op.column.default_value));
}

std::string Id(const migration::OpAddColumn& op, const char* step) {
  return fmt::format("add_column:{}.{}:{}", op.table, op.column.name, step);
}

}  // namespace

Status AddColumn::CheckIntent(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  std::string what = fmt::format("{} table \"{}\"", ctx.where, op_.table);
  // A check or generated expression reads the table's columns and the new one.
  sqlcheck::VisibleTable visible = VisibleTableOf(*table);
  visible.columns.push_back({op_.column.name, op_.column.type});
  ZS_RETURN_IF_ERROR(ValidateColumnDefinition(ctx, visible, op_.column, what));
  if (table->FindColumn(op_.column.name) != nullptr ||
      table->FindPhysicalColumn(op_.column.name) != nullptr) {
    return Conflict(fmt::format("{}: column \"{}\" already exists in table \"{}\"", ctx.where,
                                op_.column.name, op_.table));
  }
  if (op_.column.pk) {
    return InvalidInput(fmt::format(
        "{}: add_column cannot add a primary-key column to existing table \"{}\"; add the column, "
        "then create_constraint a primary_key",
        ctx.where, op_.table));
  }
  if (NeedsDeferredNotNull(ctx, op_.column) && EffectiveUp(ctx, op_).empty()) {
    return InvalidInput(fmt::format(
        "{}: column \"{}\" is NOT NULL with no default, so existing rows of \"{}\" need a value: "
        "give `up` (an expression over the old columns), a `default`, or `nullable: true`",
        ctx.where, op_.column.name, op_.table));
  }
  return Status::Ok();
}

void AddColumn::Apply(const OpContext& ctx, schema::Schema& schema) const {
  schema.FindTable(op_.table)->columns.push_back(ToSchemaColumn(ctx, op_.column));
}

Result<std::vector<Action>> AddColumn::PostgresStart(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  std::string qualified = QualifiedName(ctx, ctx.before->name, table.physical_name);
  std::string column = QuoteIdent(ctx, op_.column.name);
  bool volatile_default = HasVolatileDefault(ctx, op_.column);
  migration::Column added = op_.column;
  if (volatile_default) added.default_value.reset();
  std::string sql =
      "ALTER TABLE " + qualified + " ADD COLUMN " + ColumnTypeAndDefaultSql(ctx, added);
  if (!op_.column.nullable && !NeedsDeferredNotNull(ctx, op_.column)) sql += " NOT NULL";
  sql += ";";
  if (volatile_default) {
    // Set apart: for new rows only, so the table is not rewritten.
    sql += fmt::format("\nALTER TABLE {} ALTER COLUMN {} SET DEFAULT {};", qualified, column,
                       EmbedExpression(ctx, *op_.column.default_value));
  }
  std::vector<Action> actions;
  actions.push_back({.id = Id(op_, "add"),
                     .sql = sql,
                     .lock = Lock::kAccessExclusive,
                     .table = table.physical_name});
  if (NeedsDeferredNotNull(ctx, op_.column)) {
    actions.push_back(
        {.id = Id(op_, "not_null_check"),
         .sql = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID;",
                            qualified, QuoteIdent(ctx, NotNullCheckName(op_.column.name)), column),
         .lock = Lock::kAccessExclusive,
         .table = table.physical_name,
         .after_triggers = true});
  }
  if (op_.column.check) {
    actions.push_back(
        {.id = Id(op_, "check"),
         .sql = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}) NOT VALID;", qualified,
                            QuoteIdent(ctx, op_.column.check->name), op_.column.check->constraint),
         .lock = Lock::kAccessExclusive,
         .table = table.physical_name});
  }
  if (op_.column.references) {
    actions.push_back(
        {.id = Id(op_, "foreign_key"),
         .sql = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) {} NOT VALID;",
                            qualified, QuoteIdent(ctx, op_.column.references->name), column,
                            ReferencesSql(ctx, ctx.before->name, *op_.column.references)),
         .lock = Lock::kShareRowExclusive,
         .table = table.physical_name});
  }
  if (op_.column.unique) {
    actions.push_back(
        {.id = Id(op_, "unique_index"),
         .sql = fmt::format("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({});",
                            QuoteIdent(ctx, op_.table + "_" + op_.column.name + "_key"), qualified,
                            column),
         .lock = Lock::kShareUpdateExclusive,
         .table = table.physical_name,
         .transactional = false});
  }
  if (op_.column.comment) {
    actions.push_back({.id = Id(op_, "comment"),
                       .sql = fmt::format("COMMENT ON COLUMN {}.{} IS {};", qualified, column,
                                          QuoteLiteral(ctx, *op_.column.comment)),
                       .lock = Lock::kShareUpdateExclusive,
                       .table = table.physical_name});
  }
  return actions;
}

Result<std::vector<triggers::TriggerSpec>> AddColumn::Triggers(const OpContext& ctx) const {
  std::string up = EffectiveUp(ctx, op_);
  if (up.empty()) return std::vector<triggers::TriggerSpec>{};
  // The volatile default's up reads the new column itself.
  const schema::Schema& visible = op_.up.empty() ? *ctx.after : *ctx.before;
  ZS_ASSIGN_OR_RETURN(auto spec, MakeTrigger(ctx, *visible.FindTable(op_.table), op_.column.name,
                                             op_.column.name, up, triggers::Direction::kUp));
  return std::vector<triggers::TriggerSpec>{std::move(spec)};
}

Result<std::vector<BackfillTask>> AddColumn::Backfill(const OpContext& ctx) const {
  if (EffectiveUp(ctx, op_).empty()) return std::vector<BackfillTask>{};
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<BackfillTask>{{.table = table.physical_name,
                                    .touch_column = op_.column.name,
                                    .reason = "add_column " + op_.table + "." + op_.column.name}};
}

Result<std::vector<Action>> AddColumn::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  std::string qualified = QualifiedName(ctx, ctx.before->name, table.physical_name);
  std::vector<Action> actions;
  auto validate = [&](const std::string& name, const char* step, Lock lock) {
    actions.push_back({.id = Id(op_, step),
                       .sql = fmt::format("ALTER TABLE {} VALIDATE CONSTRAINT {};", qualified,
                                          QuoteIdent(ctx, name)),
                       .lock = lock,
                       .table = table.physical_name,
                       .phase = CompletePhase::kPrepare});
  };
  if (NeedsDeferredNotNull(ctx, op_.column)) {
    std::string check = NotNullCheckName(op_.column.name);
    validate(check, "validate_not_null", Lock::kShareUpdateExclusive);
    actions.push_back({.id = Id(op_, "set_not_null"),
                       .sql = fmt::format("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL;\n"
                                          "ALTER TABLE {} DROP CONSTRAINT {};",
                                          qualified, QuoteIdent(ctx, op_.column.name), qualified,
                                          QuoteIdent(ctx, check)),
                       .lock = Lock::kAccessExclusive,
                       .table = table.physical_name,
                       .phase = CompletePhase::kFinalize});
  }
  if (op_.column.check)
    validate(op_.column.check->name, "validate_check", Lock::kShareUpdateExclusive);
  if (op_.column.references) {
    validate(op_.column.references->name, "validate_foreign_key", Lock::kShareUpdateExclusive);
  }
  if (op_.column.unique) {
    actions.push_back(
        {.id = Id(op_, "unique_constraint"),
         .sql = fmt::format("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {};", qualified,
                            QuoteIdent(ctx, op_.table + "_" + op_.column.name + "_key"),
                            QuoteIdent(ctx, op_.table + "_" + op_.column.name + "_key")),
         .lock = Lock::kAccessExclusive,
         .table = table.physical_name,
         .phase = CompletePhase::kFinalize});
  }
  return actions;
}

Result<std::vector<Action>> AddColumn::PostgresRollback(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{
      {.id = Id(op_, "drop"),
       .sql = fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {};",
                          QualifiedName(ctx, ctx.before->name, table.physical_name),
                          QuoteIdent(ctx, op_.column.name)),
       .lock = Lock::kAccessExclusive,
       .table = table.physical_name}};
}

std::vector<std::string> AddColumn::TypesUsed() const { return {op_.column.type}; }

// The checks of the operation's intent, then what the database refuses.
Status AddColumn::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbAddColumnSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> AddColumn::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbAddColumnSql()).Start(*this, ctx);
}

Result<std::vector<Action>> AddColumn::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbAddColumnSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> AddColumn::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbAddColumnSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
