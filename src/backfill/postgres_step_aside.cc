#include "backfill/postgres_step_aside.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "pg/quote.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write.h"
#include "triggers/postgres_dual_write_step_aside.h"

namespace zs::backfill {

namespace {

// The relation and its partitions, as the other catalog queries of the backfill.
constexpr char kTree[] =
    "(SELECT relid FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass)";

// zeroshift's trigger on every relation of the tree, and how many of those
// lack this version's WHEN.
Result<std::string> CheckTriggerWhen(pg::Connection& conn, const std::string& relation,
                                     const std::string& trigger) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams(fmt::format("SELECT count(*), count(*) FILTER (WHERE pg_catalog.strpos("
                                  "pg_catalog.pg_get_triggerdef(t.oid), $3) = 0) FROM pg_trigger t "
                                  "WHERE t.tgrelid IN {} AND t.tgname = $2",
                                  kTree),
                      {relation, trigger, triggers::kBackfillSetting}));
  if (rows.GetInt(0, 0) == 0) return std::string("the table has no dual-write trigger");
  if (rows.GetInt(0, 1) > 0) {
    return std::string(
        "the dual-write trigger has no WHEN to step aside (installed by an older zeroshift)");
  }
  return std::string();
}

// The installed function assigns exactly these expressions: the backfill then
// computes what the trigger would.
Result<std::string> CheckFunctionBody(pg::Connection& conn,
                                      const std::vector<triggers::TriggerSpec>& up) {
  const triggers::TriggerSpec& first = up.front();
  std::string function =
      pg::QualifiedName(triggers::kStateSchema,
                        triggers::TableTriggerFunctionName(first.schema, first.table)) +
      "()";
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams("SELECT prosrc FROM pg_proc WHERE oid = pg_catalog.to_regprocedure($1)",
                      {function}));
  if (rows.empty()) return std::string("the dual-write trigger's function is missing");
  std::string body = rows.Get(0, 0);
  for (const auto& spec : up) {
    if (body.find(triggers::AssignmentStatement(spec)) == std::string::npos) {
      return fmt::format("the dual-write trigger's function does not compute {} as planned",
                         pg::QuoteIdent(spec.target_column));
    }
  }
  return std::string();
}

// What replica mode would change besides zeroshift's own trigger.
Result<std::string> CheckReplicaMode(pg::Connection& conn, const std::string& relation,
                                     const std::string& trigger,
                                     const std::vector<triggers::TriggerSpec>& up) {
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Status can_set = conn.Run("SET LOCAL session_replication_role = replica");
  ZS_RETURN_IF_ERROR(conn.Run("ROLLBACK"));
  if (!can_set.ok()) {
    return fmt::format("this role may not set session_replication_role ({})", can_set.message());
  }
  ZS_ASSIGN_OR_RETURN(
      pg::Rows firing,
      conn.ExecParams(fmt::format("SELECT pg_catalog.format('%I on %s', t.tgname, "
                                  "t.tgrelid::regclass) FROM pg_trigger t WHERE t.tgrelid IN {} "
                                  "AND NOT t.tgisinternal AND t.tgenabled IN ('A', 'R') AND "
                                  "(t.tgtype & 16) <> 0 AND t.tgname <> $2 ORDER BY 1 LIMIT 1",
                                  kTree),
                      {relation, trigger}));
  if (!firing.empty()) {
    return fmt::format("trigger {} fires in replica mode too", firing.Get(0, 0));
  }
  std::string targets = "{";
  for (const auto& spec : up) {
    std::string name = spec.target_column;
    std::string escaped;
    for (char c : name) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    targets += (targets.size() > 1 ? ",\"" : "\"") + escaped + "\"";
  }
  targets += "}";
  ZS_ASSIGN_OR_RETURN(
      pg::Rows keys,
      conn.ExecParams(fmt::format("SELECT c.conname::text FROM pg_constraint c WHERE c.conrelid IN "
                                  "{} AND c.contype = 'f' AND EXISTS (SELECT 1 FROM pg_attribute "
                                  "a WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                                  "AND a.attname = ANY ($2::text[])) ORDER BY 1 LIMIT 1",
                                  kTree),
                      {relation, targets}));
  if (!keys.empty()) {
    return fmt::format("foreign key {} covers a column `up` fills (replica mode skips its check)",
                       pg::QuoteIdent(keys.Get(0, 0)));
  }
  return std::string();
}

}  // namespace

std::vector<triggers::TriggerSpec> UpSpecsOf(const std::vector<triggers::TriggerSpec>& specs,
                                             const std::string& schema, const std::string& table) {
  std::vector<triggers::TriggerSpec> up;
  for (const auto& spec : specs) {
    if (spec.direction == triggers::Direction::kUp && spec.schema == schema &&
        spec.table == table) {
      up.push_back(spec);
    }
  }
  return up;
}

Result<std::string> UpSetItem(const std::vector<triggers::TriggerSpec>& up,
                              const std::string& alias) {
  if (up.empty()) return InvalidInput("no `up` expression to compute");
  std::map<std::string, std::string> column_of;  // variable -> column
  std::vector<std::string> bindings, targets, expressions;
  for (size_t i = 0; i < up.size(); ++i) {
    const triggers::TriggerSpec& spec = up[i];
    if (std::find(targets.begin(), targets.end(), spec.target_column) != targets.end()) {
      return InvalidInput(
          fmt::format("two expressions assign {}", pg::QuoteIdent(spec.target_column)));
    }
    for (const auto& [variable, column] : spec.variables) {
      // The trigger runs the blocks in order: a later one reads what an
      // earlier one assigned, one SET cannot.
      if (std::find(targets.begin(), targets.end(), column) != targets.end()) {
        return InvalidInput(
            fmt::format("the expression for {} reads {}, which an earlier one "
                        "assigns",
                        pg::QuoteIdent(spec.target_column), pg::QuoteIdent(column)));
      }
      auto [it, inserted] = column_of.emplace(variable, column);
      if (!inserted && it->second != column) {
        return InvalidInput(
            fmt::format("name {} stands for two columns", pg::QuoteIdent(variable)));
      }
      if (inserted) {
        bindings.push_back(
            fmt::format("{}.{} AS {}", alias, pg::QuoteIdent(column), pg::QuoteIdent(variable)));
      }
    }
    targets.push_back(spec.target_column);
    expressions.push_back(spec.expression);
  }
  std::string columns, values, from;
  for (size_t i = 0; i < targets.size(); ++i) {
    columns += (i == 0 ? "" : ", ") + pg::QuoteIdent(targets[i]);
    values += (i == 0 ? "" : ", ") + expressions[i];
  }
  for (size_t i = 0; i < bindings.size(); ++i) from += (i == 0 ? "" : ", ") + bindings[i];
  std::string select = fmt::format("(SELECT {} FROM (SELECT {}) AS zs_row)", values, from);
  if (targets.size() == 1) return fmt::format("{} = {}", columns, select);
  return fmt::format("({}) = {}", columns, select);
}

Result<std::string> DirectUpSetItem(const std::vector<triggers::TriggerSpec>& up,
                                    const std::string& alias) {
  ZS_ASSIGN_OR_RETURN(std::string item, UpSetItem(up, alias));
  std::string columns, values;
  for (size_t i = 0; i < up.size(); ++i) {
    for (const auto& [variable, column] : up[i].variables) {
      if (variable != column) return item;
    }
    columns += (i == 0 ? "" : ", ") + pg::QuoteIdent(up[i].target_column);
    values += (i == 0 ? "" : ", ") + up[i].expression;
  }
  if (up.size() == 1) return fmt::format("{} = {}", columns, values);
  return fmt::format("({}) = ({})", columns, values);
}

Result<StepAsidePlan> PlanStepAside(pg::Connection& conn, const std::string& schema,
                                    const std::string& table,
                                    const std::vector<triggers::TriggerSpec>& up,
                                    bool user_triggers_fire) {
  StepAsidePlan plan;
  auto refuse = [&](std::string reason) {
    plan.refusal = std::move(reason);
    return plan;
  };
  if (up.empty()) return refuse("no `up` expression was passed to the backfill");
  if (Result<std::string> item = UpSetItem(up, "zs_t"); !item.ok()) {
    return refuse(item.status().message());
  }
  if (user_triggers_fire) return refuse("the table's own triggers are to fire (opt-in)");
  std::string relation = pg::QualifiedName(schema, table);
  std::string trigger = triggers::TableTriggerName(schema, table);
  ZS_ASSIGN_OR_RETURN(std::string reason, CheckTriggerWhen(conn, relation, trigger));
  if (!reason.empty()) return refuse(reason);
  ZS_ASSIGN_OR_RETURN(reason, CheckFunctionBody(conn, up));
  if (!reason.empty()) return refuse(reason);
  ZS_ASSIGN_OR_RETURN(reason, CheckReplicaMode(conn, relation, trigger, up));
  if (!reason.empty()) return refuse(reason);
  plan.step_aside = true;
  return plan;
}

Result<std::string> PlanError(pg::Connection& conn, const std::string& sql) {
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN"));
  Status planned = conn.Run("EXPLAIN (COSTS OFF) " + sql);
  ZS_RETURN_IF_ERROR(conn.Run("ROLLBACK"));
  return planned.ok() ? std::string() : planned.message();
}

}  // namespace zs::backfill
