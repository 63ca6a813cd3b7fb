#include "engine/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>

#include <map>

#include "engine/resolve.h"
#include "ops/names.h"
#include "ops/registry.h"
#include "triggers/dual_write.h"
#include "versions/version_schema.h"

namespace zs::engine {

namespace {

ops::OpContext Context(const PlanInput& input, const std::vector<schema::Schema>& snapshots,
                       int index) {
  const auto& op = input.migration->operations[index];
  return {.index = index,
          .version_schema = input.version_schema,
          .before = &snapshots[index],
          .after = &snapshots[index + 1],
          .base = &snapshots[0],
          .where = fmt::format("{} {}", op.location.ToString(), op.kind),
          .backend = input.backend,
          .checker = input.checker};
}

// A phase's result for an operation: its error when the planner validated
// the operation (`checked`), else nothing: past raw SQL in a dry run, an
// operation may refer to what the SQL makes, so it has nothing to show; from
// stored snapshots (after a start), BuildPlan reported it before anything ran.
template <typename T>
Result<std::vector<T>> Checked(Result<std::vector<T>> phase, bool checked) {
  if (phase.ok() || checked) return phase;
  return std::vector<T>{};
}

Result<std::vector<ops::Action>> CompleteActionsChecked(
    const PlanInput& input, const Operations& operations,
    const std::vector<schema::Schema>& snapshots, size_t checked);
Result<std::vector<ops::Action>> RollbackActionsChecked(
    const PlanInput& input, const Operations& operations,
    const std::vector<schema::Schema>& snapshots, size_t checked);

// What installs each table's dual write (PostgreSQL: one trigger per table
// holding the table's specs in operation order), tables in order of first
// appearance. The plan reads nothing: the user's own BEFORE triggers, which
// MariaDB's FOLLOWS needs, come in PlanInput::user_triggers from the engine;
// PostgreSQL ignores them.
std::vector<ops::Action> TriggerActions(const PlanInput& input,
                                        const std::vector<triggers::TriggerSpec>& specs) {
  const triggers::DualWriteSql& dual_write = triggers::DualWriteFor(*input.backend);
  std::vector<ops::Action> actions;
  std::vector<std::string> tables;
  for (const auto& spec : specs) {
    if (std::find(tables.begin(), tables.end(), spec.table) == tables.end()) {
      tables.push_back(spec.table);
    }
  }
  for (const auto& table : tables) {
    std::vector<triggers::TriggerSpec> of_table;
    for (const auto& spec : specs) {
      if (spec.table == table) of_table.push_back(spec);
    }
    auto user = input.user_triggers.find(table);
    auto installs = dual_write.InstallActions(
        of_table, user == input.user_triggers.end() ? triggers::UserTriggers{} : user->second);
    actions.insert(actions.end(), installs.begin(), installs.end());
  }
  return actions;
}

// Tables in order of first appearance among `actions` and `specs`.
std::vector<std::string> TablesInOrder(const std::vector<ops::Action>& actions,
                                       const std::vector<triggers::TriggerSpec>& specs) {
  std::vector<std::string> tables;
  auto add = [&](const std::string& t) {
    if (!t.empty() && std::find(tables.begin(), tables.end(), t) == tables.end()) {
      tables.push_back(t);
    }
  };
  for (const auto& spec : specs) add(spec.table);
  for (const auto& action : actions) add(action.table);
  return tables;
}

// One action per table: the removal of the table's triggers followed by
// `finalize` actions on it, so they commit together. A backend without
// transactional DDL (MariaDB) cannot commit them together: there each
// statement is its own Action (an Action is one statement), the triggers'
// removal first, and the engine's MariaDB wiring runs a table's actions under
// LOCK TABLES so no write slips between them (ddl::Runner::RunGroup).
std::vector<ops::Action> GroupByTable(const PlanInput& input, const std::string& id_prefix,
                                      const std::vector<ops::Action>& finalize,
                                      const std::vector<triggers::TriggerSpec>& specs) {
  const triggers::DualWriteSql& dual_write = triggers::DualWriteFor(*input.backend);
  bool one_transaction = input.backend->capabilities().transactional_ddl;
  std::vector<ops::Action> grouped;
  for (const auto& table : TablesInOrder(finalize, specs)) {
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const triggers::TriggerSpec& s) { return s.table == table; });
    std::vector<std::string> drops;
    if (spec != specs.end()) drops = dual_write.DropSql(spec->schema, table);
    if (!one_transaction) {
      for (size_t i = 0; i < drops.size(); ++i) {
        grouped.push_back({.id = fmt::format("{}:{}:drop_dual_write:{}", id_prefix, table, i + 1),
                           .sql = drops[i],
                           .lock = ops::Lock::kAccessExclusive,  // DROP TRIGGER, DROP COLUMN
                           .table = table,
                           .lock_text = dual_write.DropLockText()});
      }
      std::copy_if(finalize.begin(), finalize.end(), std::back_inserter(grouped),
                   [&](const ops::Action& a) { return a.table == table; });
      continue;
    }
    ops::Action group{.id = id_prefix + ":" + table, .lock = ops::Lock::kNone, .table = table};
    for (const auto& drop : drops) {
      group.sql += (group.sql.empty() ? "" : "\n") + drop;
      group.lock = ops::Lock::kAccessExclusive;  // DROP TRIGGER
    }
    for (const auto& action : finalize) {
      if (action.table != table) continue;
      group.sql += (group.sql.empty() ? "" : "\n") + action.sql;
      group.lock = std::max(group.lock, action.lock);
      group.id += "," + action.id.substr(0, action.id.find(':'));
    }
    grouped.push_back(std::move(group));
  }
  for (const auto& action : finalize) {
    if (action.table.empty()) grouped.push_back(action);
  }
  return grouped;
}

// The marker column is added next to each table's trigger; a table that
// already has a column of that name is refused before anything runs.
Status CheckMarkerFree(const schema::Schema& base,
                       const std::vector<triggers::TriggerSpec>& specs) {
  for (const auto& spec : specs) {
    const schema::Table* table = base.FindPhysicalTable(spec.table);
    if (table == nullptr || table->FindPhysicalColumn(triggers::MarkerColumnName()) == nullptr) {
      continue;
    }
    return Conflict(fmt::format(
        "table \"{}\" already has a column \"{}\", the name zeroshift gives the column that marks "
        "rows written while a migration runs; rename that column first (or, if a crashed "
        "zeroshift left it, drop it after `zeroshift doctor` shows no active migration uses it)",
        table->name, triggers::MarkerColumnName()));
  }
  return Status::Ok();
}

}  // namespace

Result<Operations> MakeOperations(const migration::Migration& migration) {
  Operations operations;
  for (const auto& op : migration.operations) {
    ZS_ASSIGN_OR_RETURN(auto made, ops::MakeOperation(op));
    operations.push_back(std::move(made));
  }
  return operations;
}

Result<Plan> BuildPlan(const PlanInput& input, const Operations& operations, schema::Schema base,
                       const RunStart& run) {
  ZS_RETURN_IF_ERROR(
      versions::VersionSqlFor(*input.backend)
          .CheckName(input.version_schema, input.migration->source_file.empty()
                                               ? "migration \"" + input.migration->name + "\""
                                               : input.migration->source_file));
  Plan plan;
  plan.version_schema = input.version_schema;
  plan.snapshots.reserve(operations.size() + 1);
  plan.snapshots.push_back(std::move(base));
  bool validated_so_far = true;
  size_t validated_ops = operations.size();  // operations before the first unvalidated one
  std::vector<ops::Action> after_triggers;   // start actions that wait for the triggers
  for (size_t i = 0; i < operations.size(); ++i) {
    const ops::Operation& op = *operations[i];
    schema::Schema after = plan.snapshots[i];
    plan.snapshots.push_back(after);  // placeholder so Context can point at it
    ops::OpContext ctx = Context(input, plan.snapshots, static_cast<int>(i));
    if (validated_so_far) ZS_RETURN_IF_ERROR(op.Validate(ctx));
    std::vector<ops::Action> actions;
    ZS_ASSIGN_OR_RETURN(std::vector<ops::Action> started, Checked(op.Start(ctx), validated_so_far));
    for (auto& action : started) {
      (action.after_triggers ? after_triggers : actions).push_back(std::move(action));
    }
    std::optional<schema::Schema> reread;
    if (run) {
      ZS_ASSIGN_OR_RETURN(reread, run(op, ctx, actions));
    } else if (op.ChangesSchemaOpaquely()) {
      validated_so_far = false;
      validated_ops = std::min(validated_ops, i + 1);
    }
    if (reread) {
      after = std::move(*reread);
    } else if (validated_so_far || !op.ChangesSchemaOpaquely()) {
      op.Apply(ctx, after);
    }
    plan.snapshots[i + 1] = std::move(after);
    if (validated_so_far) ZS_RETURN_IF_ERROR(op.Triggers(ctx).status());
    plan.expand.insert(plan.expand.end(), actions.begin(), actions.end());
  }
  std::vector<triggers::TriggerSpec> specs;
  for (size_t i = 0; i < operations.size(); ++i) {
    auto op_specs = operations[i]->Triggers(Context(input, plan.snapshots, static_cast<int>(i)));
    if (!op_specs.ok()) continue;  // reported above, or past what could be validated
    for (auto& spec : *op_specs) {
      // Names resolved once, now, not by each trigger call under the writer's search_path.
      if (input.resolve && i < validated_ops) {
        Result<std::string> resolved = input.resolve(spec, plan.snapshots);
        if (!resolved.ok()) {
          return resolved.status().WithContext(
              Context(input, plan.snapshots, static_cast<int>(i)).where);
        }
        spec.expression = std::move(resolved).value();
      }
      specs.push_back(std::move(spec));
    }
  }
  if (input.check_stored) {
    for (const auto& stored : StoredExpressions(*input.migration, plan.snapshots, validated_ops)) {
      ZS_RETURN_IF_ERROR(input.check_stored(stored));
    }
  }
  ZS_RETURN_IF_ERROR(CheckMarkerFree(plan.snapshots.front(), specs));
  for (const auto& spec : specs) {
    plan.warnings.insert(plan.warnings.end(), spec.warnings.begin(), spec.warnings.end());
  }
  plan.trigger_specs = specs;
  plan.install = TriggerActions(input, specs);
  plan.install.insert(plan.install.end(), after_triggers.begin(), after_triggers.end());
  auto views =
      versions::VersionSqlFor(*input.backend)
          .CreateActions(plan.snapshots.back(), input.version_schema, input.server_version_num);
  plan.install.insert(plan.install.end(), views.begin(), views.end());
  // One pass per table: every batch UPDATE fires all of the table's triggers.
  for (size_t i = 0; i < operations.size(); ++i) {
    ZS_ASSIGN_OR_RETURN(
        std::vector<ops::BackfillTask> tasks,
        Checked(operations[i]->Backfill(Context(input, plan.snapshots, static_cast<int>(i))),
                i < validated_ops));
    for (auto& task : tasks) {
      auto same_table =
          std::find_if(plan.backfill.begin(), plan.backfill.end(),
                       [&](const ops::BackfillTask& t) { return t.table == task.table; });
      if (same_table == plan.backfill.end()) {
        plan.backfill.push_back(std::move(task));
      } else {
        same_table->reason += ", " + task.reason;
      }
    }
  }
  ZS_ASSIGN_OR_RETURN(plan.complete,
                      CompleteActionsChecked(input, operations, plan.snapshots, validated_ops));
  ZS_ASSIGN_OR_RETURN(plan.rollback,
                      RollbackActionsChecked(input, operations, plan.snapshots, validated_ops));
  return plan;
}

std::vector<triggers::TriggerSpec> TriggerSpecs(const PlanInput& input,
                                                const Operations& operations,
                                                const std::vector<schema::Schema>& snapshots) {
  std::vector<triggers::TriggerSpec> specs;
  for (size_t i = 0; i < operations.size() && i + 1 < snapshots.size(); ++i) {
    auto op_specs = operations[i]->Triggers(Context(input, snapshots, static_cast<int>(i)));
    if (!op_specs.ok()) continue;  // BuildPlan reported it before anything ran
    specs.insert(specs.end(), op_specs->begin(), op_specs->end());
  }
  return specs;
}

std::vector<ops::Action> CompleteActions(const PlanInput& input, const Operations& operations,
                                         const std::vector<schema::Schema>& snapshots) {
  return CompleteActionsChecked(input, operations, snapshots, 0).value();
}

std::vector<ops::Action> RollbackActions(const PlanInput& input, const Operations& operations,
                                         const std::vector<schema::Schema>& snapshots) {
  return RollbackActionsChecked(input, operations, snapshots, 0).value();
}

namespace {

// The complete actions; an error from the phase of an operation before `checked`.
Result<std::vector<ops::Action>> CompleteActionsChecked(
    const PlanInput& input, const Operations& operations,
    const std::vector<schema::Schema>& snapshots, size_t checked) {
  std::map<ops::CompletePhase, std::vector<ops::Action>> by_phase;
  for (size_t i = 0; i < operations.size() && i + 1 < snapshots.size(); ++i) {
    ZS_ASSIGN_OR_RETURN(
        std::vector<ops::Action> completed,
        Checked(operations[i]->Complete(Context(input, snapshots, static_cast<int>(i))),
                i < checked));
    for (auto& action : completed) {
      by_phase[action.phase].push_back(std::move(action));
    }
  }
  std::vector<ops::Action> actions = by_phase[ops::CompletePhase::kPrepare];
  // Grants made since start reach the version that stays, and temporary
  // columns, while the old columns still exist (SAFETY.md invariant 4).
  const versions::VersionSql& version_sql = versions::VersionSqlFor(*input.backend);
  if (!snapshots.empty()) {
    const schema::Schema& shape = snapshots.back();
    for (const auto& table : shape.tables) {
      actions.push_back({.id = "version:" + input.version_schema + ":grants:" + table.name,
                         .sql = version_sql.CopyGrantsSql(table, shape.name, input.version_schema),
                         .lock = ops::Lock::kNone});
    }
  }
  if (!input.previous_version_schema.empty()) {
    actions.push_back(version_sql.DropAction(input.previous_version_schema));
  }
  auto grouped = GroupByTable(input, "finalize", by_phase[ops::CompletePhase::kFinalize],
                              TriggerSpecs(input, operations, snapshots));
  actions.insert(actions.end(), grouped.begin(), grouped.end());
  const auto& renames = by_phase[ops::CompletePhase::kRename];
  actions.insert(actions.end(), renames.begin(), renames.end());
  if (!snapshots.empty()) {  // last: the views over what the renames left
    auto rebind = version_sql.CompleteActions(snapshots.back(), input.version_schema);
    actions.insert(actions.end(), rebind.begin(), rebind.end());
  }
  return actions;
}

// The rollback actions; an error from the phase of an operation before `checked`.
Result<std::vector<ops::Action>> RollbackActionsChecked(
    const PlanInput& input, const Operations& operations,
    const std::vector<schema::Schema>& snapshots, size_t checked) {
  std::vector<ops::Action> undo;
  for (size_t i = std::min(operations.size(), snapshots.size() - 1); i-- > 0;) {
    ZS_ASSIGN_OR_RETURN(
        std::vector<ops::Action> op_undo,
        Checked(operations[i]->Rollback(Context(input, snapshots, static_cast<int>(i))),
                i < checked));
    undo.insert(undo.end(), op_undo.begin(), op_undo.end());
  }
  std::vector<triggers::TriggerSpec> specs = TriggerSpecs(input, operations, snapshots);
  auto has_trigger = [&](const std::string& table) {
    return std::any_of(specs.begin(), specs.end(),
                       [&](const triggers::TriggerSpec& s) { return s.table == table; });
  };
  // A table's trigger is dropped in the same transaction as the undo of what
  // it fed (temporary columns, NOT NULL checks on them): apart, old clients'
  // writes in between would hit a constraint no trigger satisfies any more.
  auto merges = [&](const ops::Action& action) {
    return action.transactional && has_trigger(action.table);
  };
  std::vector<ops::Action> same_table;
  for (const auto& action : undo) {
    if (merges(action)) same_table.push_back(action);
  }
  std::vector<ops::Action> actions{
      versions::VersionSqlFor(*input.backend).DropAction(input.version_schema)};
  std::set<std::string> grouped;
  for (const auto& spec : specs) {  // tables with nothing to undo but their trigger
    if (std::none_of(same_table.begin(), same_table.end(),
                     [&](const ops::Action& a) { return a.table == spec.table; }) &&
        grouped.insert(spec.table).second) {
      auto group = GroupByTable(input, "drop_triggers", {}, {spec});
      actions.insert(actions.end(), group.begin(), group.end());
    }
  }
  for (const auto& action : undo) {
    if (!merges(action)) {
      actions.push_back(action);
    } else if (grouped.insert(action.table).second) {
      std::vector<ops::Action> table_undo;
      std::copy_if(same_table.begin(), same_table.end(), std::back_inserter(table_undo),
                   [&](const ops::Action& a) { return a.table == action.table; });
      std::vector<triggers::TriggerSpec> table_specs;
      std::copy_if(specs.begin(), specs.end(), std::back_inserter(table_specs),
                   [&](const triggers::TriggerSpec& s) { return s.table == action.table; });
      auto group = GroupByTable(input, "undo", table_undo, table_specs);
      actions.insert(actions.end(), group.begin(), group.end());
    }
  }
  return actions;
}

}  // namespace

std::string FormatPlan(const Plan& plan) {
  std::string out = "-- version schema: " + ops::CommentText(plan.version_schema) + "\n";
  for (const auto& warning : plan.warnings)
    out += "-- warning: " + ops::CommentText(warning) + "\n";
  out += "\n-- == start ==\n";
  out += ops::FormatActions(plan.expand) + ops::FormatActions(plan.install);
  out += "\n-- == backfill ==\n";
  for (const auto& task : plan.backfill) {
    out += ops::CommentText(fmt::format("-- {}: every row of {} in keyset batches (touching {})",
                                        task.reason, task.table, task.touch_column)) +
           "\n";
  }
  out += "\n-- == complete ==\n" + ops::FormatActions(plan.complete);
  out += "\n-- == rollback ==\n" + ops::FormatActions(plan.rollback);
  return out;
}

}  // namespace zs::engine
