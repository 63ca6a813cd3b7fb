// rename_constraint on MariaDB, at complete like PostgreSQL's (measured on
// 10.11.19, docs/mariadb.md): a UNIQUE constraint is its index, renamed
// ALGORITHM=INSTANT; a FOREIGN KEY is dropped and added under the new name
// in ONE ALTER under foreign_key_checks=0 (INPLACE, LOCK=NONE: the rows
// already satisfy it, so skipping the check loses nothing); a CHECK can only
// be dropped and added again, and adding one copies the table under a shared
// lock (ALGORITHM=COPY, LOCK=SHARED): refused; a CHECK zeroshift enforces with
// triggers (ops/mariadb_swap_rules.h) is renamed by creating its triggers
// under the new name and dropping the old ones; the primary key is always
// named PRIMARY: refused.
#include "ops/rename_constraint/mariadb_rename_constraint.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/mariadb_sql.h"
#include "ops/mariadb_swap_rules.h"

namespace zs::ops {

namespace {

const schema::Constraint* MariadbRenamedConstraint(const RenameConstraint& op,
                                                   const OpContext& ctx) {
  const schema::Table* table = ctx.before->FindTable(op.op().table);
  if (table == nullptr) return nullptr;
  auto it = std::find_if(table->constraints.begin(), table->constraints.end(),
                         [&](const schema::Constraint& c) { return c.name == op.op().from; });
  return it == table->constraints.end() ? nullptr : &*it;
}

class MariadbRenameConstraint final : public OperationSql<RenameConstraint> {
 public:
  Status Supports(const RenameConstraint& op, const OpContext& ctx) const override {
    const schema::Constraint* constraint = MariadbRenamedConstraint(op, ctx);
    if (constraint == nullptr) return Status::Ok();  // the operation's own checks said so
    std::string what =
        fmt::format("constraint \"{}\" of table \"{}\"", op.op().from, op.op().table);
    const schema::Table& table = *ctx.before->FindTable(op.op().table);
    if (std::count_if(table.constraints.begin(), table.constraints.end(),
                      [&](const schema::Constraint& c) { return c.name == op.op().from; }) > 1) {
      return MariadbRefusal(
          ctx, fmt::format("table \"{}\" has two checks named \"{}\": a CHECK constraint and a "
                           "check zeroshift enforces with triggers; which one to rename is "
                           "ambiguous: rename the CHECK constraint first (an `sql` operation)",
                           op.op().table, op.op().from));
    }
    if (schema::MariadbCheckByTriggers(*constraint)) return Status::Ok();
    if (constraint->type == 'c') {
      return MariadbRefusal(
          ctx, "MariaDB cannot rename CHECK " + what +
                   " in place: it drops the check and adds it again, and adding a CHECK copies the "
                   "table under a shared lock (ALGORITHM=COPY, "
                   "LOCK=SHARED); keep the name, or drop_constraint and create_constraint (whose "
                   "MariaDB check is an online trigger)");
    }
    if (constraint->type != 'u' && constraint->type != 'f') {
      return MariadbRefusal(ctx, "MariaDB cannot rename primary key " + what +
                                     ": it is always named PRIMARY; remove the operation");
    }
    return Status::Ok();
  }

  Result<std::vector<Action>> Start(const RenameConstraint&, const OpContext&) const override {
    return std::vector<Action>{};
  }

  // kFinalize, as PostgreSQL's: before any table rename of this migration.
  Result<std::vector<Action>> Complete(const RenameConstraint& op,
                                       const OpContext& ctx) const override {
    const schema::Constraint* constraint = MariadbRenamedConstraint(op, ctx);
    if (constraint == nullptr) {
      return NotFound(fmt::format("{}: table \"{}\" has no constraint \"{}\"", ctx.where,
                                  op.op().table, op.op().from));
    }
    const schema::Table& table = *ctx.before->FindTable(op.op().table);
    std::string id = fmt::format("rename_constraint:{}.{}:rename", op.op().table, op.op().from);
    std::string qualified = MariadbTableName(ctx, table.physical_name);
    std::string from = MariadbQuote(ctx, op.op().from);
    std::string to = MariadbQuote(ctx, op.op().to);
    if (schema::MariadbCheckByTriggers(*constraint)) {
      return RenameCheckTriggers(op, ctx, *constraint, id);
    }
    if (constraint->type == 'u') {
      // RENAME INDEX has no IF EXISTS: a repeat runs it only while the old name exists.
      return std::vector<Action>{MariadbAction(
          id,
          fmt::format("BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.STATISTICS "
                      "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND INDEX_NAME = {}) THEN "
                      "ALTER TABLE {} RENAME INDEX {} TO {}, ALGORITHM=INSTANT, LOCK=NONE; END "
                      "IF; END;",
                      ctx.backend->QuoteLiteral(ctx.before->name),
                      ctx.backend->QuoteLiteral(table.physical_name),
                      ctx.backend->QuoteLiteral(op.op().from), qualified, from, to),
          table.physical_name, MariadbLock::kBrief)};
    }
    // constraint->definition: "FOREIGN KEY (`a`) REFERENCES `db`.`t` (`id`) ..."
    // (schema/mariadb_reader.h); IF NOT EXISTS goes after FOREIGN KEY.
    const std::string& definition = constraint->definition;
    const std::string keyword = "FOREIGN KEY ";
    std::string body = definition.rfind(keyword, 0) == 0
                           ? keyword + "IF NOT EXISTS " + definition.substr(keyword.size())
                           : definition;
    return std::vector<Action>{MariadbAction(
        id,
        fmt::format("SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE {} DROP FOREIGN KEY IF "
                    "EXISTS {}, ADD CONSTRAINT {} {}, ALGORITHM=INPLACE, LOCK=NONE;",
                    qualified, from, to, body),
        table.physical_name, MariadbLock::kOnline)};
  }

  Result<std::vector<Action>> Rollback(const RenameConstraint&, const OpContext&) const override {
    return std::vector<Action>{};
  }

 private:
  // A CHECK zeroshift enforces with triggers (ops/mariadb_swap_rules.h): MariaDB
  // cannot rename a trigger, so the triggers are created again under the new
  // name, their message naming the new constraint, then the old ones dropped.
  // Each statement is safe to repeat (OR REPLACE, IF EXISTS); between them
  // both pairs check the rows, which is harmless.
  static Result<std::vector<Action>> RenameCheckTriggers(const RenameConstraint& op,
                                                         const OpContext& ctx,
                                                         const schema::Constraint& constraint,
                                                         const std::string& id) {
    const schema::Table& table = *ctx.before->FindTable(op.op().table);
    const std::string database = MariadbQuote(ctx, ctx.before->name);
    auto message = [&](const std::string& name) {
      return ctx.backend->QuoteLiteral(fmt::format("CONSTRAINT {} failed for {}",
                                                   MariadbQuote(ctx, name),
                                                   MariadbTableName(ctx, table.physical_name)));
    };
    std::string body = constraint.definition;  // the triggers' body
    const std::string old_message = message(op.op().from);
    if (size_t at = body.find(old_message); at != std::string::npos) {
      body.replace(at, old_message.size(), message(op.op().to));
    }
    auto [old_insert, old_update] = MariadbCheckTriggerNames(AddedConstraint{.name = op.op().from});
    auto [new_insert, new_update] = MariadbCheckTriggerNames(AddedConstraint{.name = op.op().to});
    std::vector<Action> actions;
    for (const auto& [trigger, event] : {std::pair{new_insert, "INSERT"}, {new_update, "UPDATE"}}) {
      actions.push_back(MariadbAction(
          id + ":" + trigger,
          fmt::format("CREATE OR REPLACE TRIGGER {}.{} BEFORE {} ON {} FOR EACH ROW {}", database,
                      MariadbQuote(ctx, trigger), event, MariadbTableName(ctx, table.physical_name),
                      body),
          table.physical_name, MariadbLock::kBrief));
    }
    for (const std::string& trigger : {old_insert, old_update}) {
      actions.push_back(MariadbAction(
          id + ":drop:" + trigger,
          fmt::format("DROP TRIGGER IF EXISTS {}.{};", database, MariadbQuote(ctx, trigger)),
          table.physical_name, MariadbLock::kBrief));
    }
    return actions;
  }
};

}  // namespace

const OperationSql<RenameConstraint>& MariadbRenameConstraintSql() {
  static const MariadbRenameConstraint sql;
  return sql;
}

}  // namespace zs::ops
