#include "ops/rename_constraint/rename_constraint.h"

#include "ops/operation_sql.h"
#include "ops/rename_constraint/mariadb_rename_constraint.h"

#include <fmt/format.h>

#include <algorithm>

namespace zs::ops {

namespace {

const schema::Constraint* FindConstraint(const schema::Table& table, const std::string& name) {
  auto it = std::find_if(table.constraints.begin(), table.constraints.end(),
                         [&](const schema::Constraint& c) { return c.name == name; });
  return it == table.constraints.end() ? nullptr : &*it;
}

std::string ConstraintList(const schema::Table& table) {
  std::string out;
  for (const auto& c : table.constraints) out += (out.empty() ? "" : ", ") + c.name;
  return out.empty() ? "none" : out;
}

// Primary key, unique and exclusion constraints own an index of their name,
// which PostgreSQL renames with them.
bool OwnsIndex(const schema::Constraint& constraint) {
  return constraint.type == 'p' || constraint.type == 'u' || constraint.type == 'x';
}

}  // namespace

Status RenameConstraint::CheckIntent(const OpContext& ctx) const {
  ZS_ASSIGN_OR_RETURN(const schema::Table* table, RequireTable(ctx, op_.table));
  const schema::Constraint* constraint = FindConstraint(*table, op_.from);
  if (constraint == nullptr) {
    return NotFound(fmt::format("{}: table \"{}\" has no constraint \"{}\" (constraints: {})",
                                ctx.where, op_.table, op_.from, ConstraintList(*table)));
  }
  ZS_RETURN_IF_ERROR(RequireNewIdentifier(ctx, op_.to, "new constraint name"));
  if (FindConstraint(*table, op_.to) != nullptr) {
    return Conflict(fmt::format("{}: table \"{}\" already has a constraint \"{}\"", ctx.where,
                                op_.table, op_.to));
  }
  if (OwnsIndex(*constraint) &&
      (ctx.before->FindIndex(op_.to) != nullptr || ctx.before->FindTable(op_.to) != nullptr ||
       ctx.before->FindPhysicalTable(op_.to) != nullptr)) {
    return Conflict(fmt::format(
        "{}: constraint \"{}\" owns an index that would be renamed \"{}\", but a relation of "
        "that name exists in schema \"{}\"; choose another name",
        ctx.where, op_.from, op_.to, ctx.before->name));
  }
  return Status::Ok();
}

void RenameConstraint::Apply(const OpContext&, schema::Schema& schema) const {
  schema::Table& table = *schema.FindTable(op_.table);
  for (auto& constraint : table.constraints) {
    if (constraint.name != op_.from) continue;
    if (OwnsIndex(constraint)) {
      for (auto& index : table.indexes) {
        if (index.name == op_.from) index.name = op_.to;
      }
    }
    constraint.name = op_.to;
  }
}

Result<std::vector<Action>> RenameConstraint::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

// kFinalize: runs with the table's trigger removal, before any table rename
// of this migration (kRename), so the table's name at start is right.
Result<std::vector<Action>> RenameConstraint::PostgresComplete(const OpContext& ctx) const {
  const schema::Table& table = *ctx.before->FindTable(op_.table);
  return std::vector<Action>{
      {.id = fmt::format("rename_constraint:{}.{}:rename", op_.table, op_.from),
       .sql = fmt::format("ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                          QualifiedName(ctx, ctx.before->name, table.physical_name),
                          QuoteIdent(ctx, op_.from), QuoteIdent(ctx, op_.to)),
       .lock = Lock::kAccessExclusive,
       .table = table.physical_name,
       .phase = CompletePhase::kFinalize}};
}

Result<std::vector<Action>> RenameConstraint::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status RenameConstraint::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbRenameConstraintSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> RenameConstraint::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameConstraintSql()).Start(*this, ctx);
}

Result<std::vector<Action>> RenameConstraint::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameConstraintSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> RenameConstraint::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbRenameConstraintSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
