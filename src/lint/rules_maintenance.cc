// Maintenance and table-level rewrites: vacuum-full, cluster, table-rewrite,
// refresh-matview-non-concurrently, detach-partition-non-concurrently.
#include <fmt/format.h>

#include "lint/check.h"
#include "lint/sql_text.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

void CheckVacuumFull(Context& ctx) {
  if (ctx.effect.cost != Cost::kRewrite) return;  // Classify: only FULL rewrites
  std::string target = "every table of the database";
  if (!ctx.effect.locks.empty()) {
    std::string names;
    bool any_old = false;
    for (const TableLock& lock : ctx.effect.locks) {
      names += (names.empty() ? "" : ", ") + lock.display;
      any_old |= !ctx.state.IsNewTable(lock.table);
    }
    if (!any_old) return;
    target = names;
  }
  ctx.Report("vacuum-full", ctx.stmt.begin,
             fmt::format("VACUUM FULL rewrites {} under ACCESS EXCLUSIVE: no reads or writes "
                         "until the copy is done, and it needs room for a second copy",
                         target),
             "plain VACUUM reclaims space for reuse without blocking; to give space back to the "
             "operating system online, use pg_repack or pg_squeeze");
}

void CheckCluster(Context& ctx) {
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (!rel.name.empty() && ctx.state.IsNewTable(rel.key())) return;
  ctx.Report("cluster", ctx.stmt.begin,
             fmt::format("CLUSTER rewrites {} under ACCESS EXCLUSIVE: no reads or writes until "
                         "it ends",
                         rel.name.empty() ? "every clustered table" : rel.Display()),
             "pg_repack --order-by reorders a table online");
}

void CheckAlterTable(Context& ctx) {
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    std::string_view subtype = cmd["subtype"].str();
    std::string what;
    if (subtype == "AT_SetTableSpace") {
      what = "SET TABLESPACE " + SqlIdent(cmd["name"].str());
    } else if (subtype == "AT_SetLogged") {
      what = "SET LOGGED";
    } else if (subtype == "AT_SetUnLogged") {
      what = "SET UNLOGGED";
    } else if (subtype == "AT_SetAccessMethod") {
      what = "SET ACCESS METHOD " + SqlIdent(cmd["name"].str());
    } else if (subtype == "AT_DetachPartition" && !cmd["def"].inner()["concurrent"].is_true()) {
      JsonValue partition = cmd["def"].inner()["name"];
      bool available = ctx.options.pg_version >= 14;
      ctx.Report("detach-partition-non-concurrently", ctx.stmt.begin,
                 fmt::format("DETACH PARTITION {} takes ACCESS EXCLUSIVE on {}: every query on "
                             "the partitioned table waits, and it queues behind running ones",
                             Relation(partition).Display(), rel.Display()),
                 available ? "DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) takes only SHARE "
                             "UPDATE EXCLUSIVE; it cannot run inside a transaction block"
                           : "PostgreSQL 14 adds DETACH PARTITION ... CONCURRENTLY; before it, run "
                             "this at a quiet time under a short lock_timeout",
                 available && ctx.stmt.body["cmds"].size() == 1
                     ? std::string(StatementBody(ctx.stmt)) + " CONCURRENTLY;"
                     : "",
                 available ? std::nullopt : std::optional(Severity::kInfo));
      continue;
    } else {
      continue;
    }
    ctx.Report("table-rewrite", ctx.stmt.begin,
               fmt::format("ALTER TABLE {} {} rewrites the whole table under ACCESS EXCLUSIVE",
                           rel.Display(), what),
               "build the new table alongside and copy it in batches, or use pg_repack "
               "(--tablespace moves a table online)");
  }
}

void CheckRefresh(Context& ctx) {
  if (ctx.stmt.body["concurrent"].is_true() || ctx.stmt.body["skipData"].is_true()) return;
  RelationName rel = Relation(ctx.stmt.body["relation"]);
  if (ctx.state.IsNewTable(rel.key())) return;
  ctx.Report("refresh-matview-non-concurrently", ctx.stmt.begin,
             fmt::format("REFRESH MATERIALIZED VIEW {} without CONCURRENTLY blocks every read of "
                         "it until the refresh ends",
                         rel.Display()),
             "REFRESH MATERIALIZED VIEW CONCURRENTLY keeps the view readable (it needs a unique "
             "index on the view)",
             InsertAfterKeyword(ctx.stmt, ctx.stmt.begin, "VIEW", " CONCURRENTLY"));
}

}  // namespace

void CheckMaintenanceRules(Context& ctx) {
  if (ctx.stmt.type == "VacuumStmt") {
    CheckVacuumFull(ctx);
  } else if (ctx.stmt.type == "ClusterStmt") {
    CheckCluster(ctx);
  } else if (ctx.stmt.type == "AlterTableStmt") {
    CheckAlterTable(ctx);
  } else if (ctx.stmt.type == "RefreshMatViewStmt") {
    CheckRefresh(ctx);
  }
}

}  // namespace zs::lint
