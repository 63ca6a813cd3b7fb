#include "ops/drop_index/drop_index.h"

#include "ops/drop_index/mariadb_drop_index.h"
#include "ops/operation_sql.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/create_index/create_index.h"

namespace zs::ops {

namespace {

// The table that has index `name`, or nullptr.
const schema::Table* TableOfIndex(const schema::Schema& schema, const std::string& name) {
  for (const auto& table : schema.tables) {
    for (const auto& index : table.indexes) {
      if (index.name == name) return &table;
    }
  }
  return nullptr;
}

}  // namespace

Status DropIndex::CheckIntent(const OpContext& ctx) const {
  const schema::Table* table = TableOfIndex(*ctx.before, op_.name);
  if (table == nullptr) {
    return NotFound(fmt::format(
        "{}: index \"{}\" does not exist in schema \"{}\"; check the name (psql's \\di lists "
        "indexes)",
        ctx.where, op_.name, ctx.before->name));
  }
  if (table->partitioned) {
    return InvalidInput(fmt::format(
        "{}: index \"{}\" is on partitioned table \"{}\", and PostgreSQL cannot drop a "
        "partitioned index CONCURRENTLY; drop it with an `sql` operation (DROP INDEX, which locks "
        "the table)",
        ctx.where, op_.name, table->name));
  }
  // Primary key, unique and exclusion constraints own an index of their name.
  auto owner = std::find_if(
      table->constraints.begin(), table->constraints.end(), [&](const schema::Constraint& c) {
        return c.name == op_.name && (c.type == 'p' || c.type == 'u' || c.type == 'x');
      });
  if (owner != table->constraints.end()) {
    return InvalidInput(fmt::format(
        "{}: index \"{}\" belongs to constraint \"{}\" of table \"{}\" and cannot be dropped on "
        "its own; drop the constraint with drop_constraint instead",
        ctx.where, op_.name, owner->name, table->name));
  }
  return Status::Ok();
}

void DropIndex::Apply(const OpContext&, schema::Schema& schema) const {
  for (auto& table : schema.tables) {
    std::erase_if(table.indexes, [&](const schema::Index& i) { return i.name == op_.name; });
  }
}

Result<std::vector<Action>> DropIndex::PostgresStart(const OpContext&) const {
  return std::vector<Action>{};
}

// kPrepare, not kFinalize: a CONCURRENTLY statement cannot join the table's
// finalize transaction.
Result<std::vector<Action>> DropIndex::PostgresComplete(const OpContext& ctx) const {
  const schema::Table* table = TableOfIndex(*ctx.before, op_.name);
  return std::vector<Action>{{.id = "drop_index:" + op_.name,
                              .sql = DropIndexConcurrentlySql(ctx.before->name, op_.name),
                              .lock = Lock::kShareUpdateExclusive,
                              .table = table != nullptr ? table->physical_name : "",
                              .transactional = false,
                              .phase = CompletePhase::kPrepare}};
}

Result<std::vector<Action>> DropIndex::PostgresRollback(const OpContext&) const {
  return std::vector<Action>{};
}

// The checks of the operation's intent, then what the database refuses.
Status DropIndex::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(CheckIntent(ctx));
  return SqlFor(ctx, MariadbDropIndexSql()).Supports(*this, ctx);
}

Result<std::vector<Action>> DropIndex::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropIndexSql()).Start(*this, ctx);
}

Result<std::vector<Action>> DropIndex::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropIndexSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> DropIndex::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbDropIndexSql()).Rollback(*this, ctx);
}

}  // namespace zs::ops
