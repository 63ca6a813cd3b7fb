#include "ops/column_swap.h"

#include "ops/operation_sql.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>

#include "ops/column_swap_layout.h"
#include "ops/column_swap_sql.h"

namespace zs::ops {

namespace {

using swap::ConstraintBuild;
using swap::IndexBuild;
using swap::Layout;
using swap::Mapped;
using swap::TempColumn;

// FNV-1a: stable across builds and platforms, unlike std::hash, because the
// names it shortens are computed again at complete, maybe by a newer binary.
uint32_t StableHash(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

// ---------------------------------------------------------------------------
// Apply

void ApplyToTable(const Layout& layout, const SwapSpec& spec, schema::Table& table) {
  for (const TempColumn& column : layout.columns) {
    schema::Column* target = table.FindColumn(column.name);
    if (target != nullptr) *target = column.shape;
  }
  std::erase_if(table.constraints,
                [&](const schema::Constraint& c) { return c.name == spec.dropped; });
  std::erase_if(table.indexes, [&](const schema::Index& i) { return i.name == spec.dropped; });
  for (auto& constraint : table.constraints) {
    constraint.columns = Mapped(constraint.columns, layout.renames);
  }
  for (auto& index : table.indexes) index.columns = Mapped(index.columns, layout.renames);
  table.primary_key = Mapped(table.primary_key, layout.renames);
  for (const IndexBuild& build : layout.indexes) {
    if (!build.added) {
      for (auto& index : table.indexes) {
        if (index.name == build.name) index.definition = build.sql;
      }
      continue;
    }
    table.indexes.push_back({.name = build.name,
                             .columns = build.columns,
                             .unique = true,
                             .primary = build.constraint == 'p',
                             .definition = build.sql});
    table.constraints.push_back({.name = build.name,
                                 .type = build.constraint,
                                 .columns = build.columns,
                                 .definition = build.inline_sql});
    if (build.constraint == 'p') table.primary_key = build.columns;
  }
  for (const ConstraintBuild& build : layout.constraints) {
    if (build.added) {
      table.constraints.push_back({.name = build.name,
                                   .type = build.type,
                                   .columns = build.columns,
                                   .definition = build.body,
                                   .validated = false});
      continue;
    }
    for (auto& constraint : table.constraints) {
      if (constraint.name != build.name) continue;
      constraint.definition = build.body;
      constraint.validated = false;
    }
  }
}

}  // namespace

bool CreatedByThisMigration(const OpContext& ctx, const std::string& table) {
  const schema::Table* found = ctx.before->FindTable(table);
  return ctx.base != nullptr && found != nullptr &&
         ctx.base->FindPhysicalTable(found->physical_name) == nullptr;
}

Result<const schema::Constraint*> RequireDroppableConstraint(const OpContext& ctx,
                                                             const schema::Table& table,
                                                             const std::string& name) {
  std::vector<std::string> names;
  const schema::Constraint* found = nullptr;
  for (const auto& constraint : table.constraints) {
    if (constraint.type != 'c' && constraint.type != 'f' && constraint.type != 'u') continue;
    if (constraint.name != name) {
      names.push_back(constraint.name);
      continue;
    }
    // MariaDB: a CHECK constraint and a CHECK zeroshift enforces with
    // triggers (schema::MariadbCheckByTriggers) may share a name.
    if (found != nullptr) {
      return InvalidInput(fmt::format(
          "{}: table \"{}\" has two checks named \"{}\": a CHECK constraint and a check "
          "zeroshift enforces with the triggers zs_check_{}_bi and zs_check_{}_bu; which one "
          "to drop is ambiguous: rename the CHECK constraint first (an `sql` operation), then "
          "drop the one you mean",
          ctx.where, table.name, name, name, name));
    }
    found = &constraint;
  }
  if (found != nullptr) return found;
  std::string also = table.HasConstraint(name)
                         ? " (\"" + name +
                               "\" is a primary key or exclusion constraint, which "
                               "this operation does not drop)"
                         : "";
  return NotFound(fmt::format(
      "{}: table \"{}\" has no check, foreign key or unique constraint \"{}\"{}; its constraints "
      "of those kinds: {}",
      ctx.where, table.name, name, also,
      names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

std::string FitIdentifier(const std::string& name) {
  if (name.size() <= swap::kMaxIdentifierBytes) return name;
  std::string hash = fmt::format("_{:08x}", StableHash(name));
  size_t keep = swap::kMaxIdentifierBytes - hash.size();
  // Never cut a UTF-8 character in two.
  while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return name.substr(0, keep) + hash;
}

Status ColumnSwapOperation::Validate(const OpContext& ctx) const {
  ZS_RETURN_IF_ERROR(RequireTable(ctx, spec_.table).status());
  // What the database refuses first: it says why, whatever else is wrong.
  ZS_RETURN_IF_ERROR(SqlFor(ctx, MariadbSql()).Supports(*this, ctx));
  return swap::MakeLayout(ctx, spec_, CreatedByThisMigration(ctx, spec_.table)).status();
}

Result<std::vector<Action>> ColumnSwapOperation::Start(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSql()).Start(*this, ctx);
}

Result<std::vector<Action>> ColumnSwapOperation::Complete(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSql()).Complete(*this, ctx);
}

Result<std::vector<Action>> ColumnSwapOperation::Rollback(const OpContext& ctx) const {
  return SqlFor(ctx, MariadbSql()).Rollback(*this, ctx);
}

Result<std::vector<Action>> ColumnSwapOperation::PostgresStart(const OpContext& ctx) const {
  bool in_place = CreatedByThisMigration(ctx, spec_.table);
  ZS_ASSIGN_OR_RETURN(Layout layout, swap::MakeLayout(ctx, spec_, in_place));
  return in_place ? swap::InPlaceStart(spec_, layout) : swap::SwapStart(ctx, spec_, layout);
}

void ColumnSwapOperation::Apply(const OpContext& ctx, schema::Schema& schema) const {
  // The shape only: checks against the old version's tables (ctx.base) are
  // Validate's, and an operation the planner could not validate (after raw
  // SQL in a dry run) changes what it can.
  OpContext shape{.before = ctx.before, .where = spec_.id};
  auto layout = swap::MakeLayout(shape, spec_, CreatedByThisMigration(ctx, spec_.table));
  if (!layout.ok()) return;
  schema::Table* table = schema.FindTable(spec_.table);
  if (table != nullptr) ApplyToTable(*layout, spec_, *table);
}

Result<std::vector<triggers::TriggerSpec>> ColumnSwapOperation::Triggers(
    const OpContext& ctx) const {
  std::vector<triggers::TriggerSpec> specs;
  if (CreatedByThisMigration(ctx, spec_.table)) return specs;
  ZS_ASSIGN_OR_RETURN(Layout layout, swap::MakeLayout(ctx, spec_, false));
  const schema::Table* after = ctx.after->FindTable(spec_.table);
  if (after == nullptr) return Internal(spec_.id + ": the table is missing after the operation");
  for (const TempColumn& column : layout.columns) {
    std::string same = ctx.backend->QuoteIdentifier(column.name);
    ZS_ASSIGN_OR_RETURN(
        auto up, MakeTrigger(ctx, *layout.table, column.temp, column.name,
                             column.up.empty() ? same : column.up, triggers::Direction::kUp));
    ZS_ASSIGN_OR_RETURN(auto down, MakeTrigger(ctx, *after, column.old_physical, column.name,
                                               column.down.empty() ? same : column.down,
                                               triggers::Direction::kDown));
    specs.push_back(std::move(up));
    specs.push_back(std::move(down));
  }
  return specs;
}

Result<std::vector<BackfillTask>> ColumnSwapOperation::Backfill(const OpContext& ctx) const {
  if (CreatedByThisMigration(ctx, spec_.table)) return std::vector<BackfillTask>{};
  ZS_ASSIGN_OR_RETURN(Layout layout, swap::MakeLayout(ctx, spec_, false));
  // "alter_column users.email" for progress output.
  std::string reason = spec_.id;
  if (size_t colon = reason.find(':'); colon != std::string::npos) reason[colon] = ' ';
  return std::vector<BackfillTask>{{.table = layout.table->physical_name,
                                    .touch_column = layout.columns.front().temp,
                                    .reason = reason}};
}

Result<std::vector<Action>> ColumnSwapOperation::PostgresComplete(const OpContext& ctx) const {
  // In place, start made the final shape: nothing is left to swap.
  if (CreatedByThisMigration(ctx, spec_.table)) return std::vector<Action>{};
  ZS_ASSIGN_OR_RETURN(Layout layout, swap::MakeLayout(ctx, spec_, false));
  std::vector<Action> actions = swap::ValidateActions(spec_, layout);
  actions.push_back({.id = spec_.id + ":replace",
                     .sql = swap::FinalizeSql(ctx, layout),
                     .lock = Lock::kAccessExclusive,
                     .table = layout.table->physical_name,
                     .phase = CompletePhase::kFinalize});
  return actions;
}

Result<std::vector<Action>> ColumnSwapOperation::PostgresRollback(const OpContext& ctx) const {
  bool in_place = CreatedByThisMigration(ctx, spec_.table);
  ZS_ASSIGN_OR_RETURN(Layout layout, swap::MakeLayout(ctx, spec_, in_place));
  return in_place ? swap::InPlaceRollback(spec_, layout) : swap::SwapRollback(ctx, spec_, layout);
}

}  // namespace zs::ops
