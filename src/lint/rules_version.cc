// requires-newer-postgres: syntax the target server (--pg-version) lacks.
#include <fmt/format.h>

#include <array>
#include <utility>

#include "lint/check.h"
#include "lint/tree.h"

namespace zs::lint {
namespace {

// VACUUM options and the release that added them (older ones exist in 12).
constexpr std::array<std::pair<std::string_view, int>, 5> kVacuumOptions = {{
    {"process_toast", 14},
    {"process_main", 16},
    {"skip_database_stats", 16},
    {"only_database_stats", 16},
    {"buffer_usage_limit", 16},
}};

void Require(Context& ctx, int version, std::string_view feature, uint32_t offset) {
  if (ctx.options.pg_version >= version) return;
  ctx.Report("requires-newer-postgres", offset,
             fmt::format("{} needs PostgreSQL {} or later, and the target is PostgreSQL {} "
                         "(--pg-version): this statement fails there",
                         feature, version, ctx.options.pg_version),
             fmt::format("rewrite it for PostgreSQL {}, or lint with --pg-version {} if the "
                         "server is newer",
                         ctx.options.pg_version, version));
}

void CheckAlterTableCommands(Context& ctx) {
  for (JsonValue wrapped : ctx.stmt.body["cmds"]) {
    JsonValue cmd = wrapped.inner();
    std::string_view subtype = cmd["subtype"].str();
    if (subtype == "AT_DetachPartition" && cmd["def"].inner()["concurrent"].is_true()) {
      Require(ctx, 14, "DETACH PARTITION ... CONCURRENTLY", ctx.stmt.begin);
    } else if (subtype == "AT_DetachPartitionFinalize") {
      Require(ctx, 14, "DETACH PARTITION ... FINALIZE", ctx.stmt.begin);
    } else if (subtype == "AT_SetAccessMethod") {
      Require(ctx, 15, "ALTER TABLE ... SET ACCESS METHOD", ctx.stmt.begin);
    } else if (subtype == "AT_SetCompression") {
      Require(ctx, 14, "ALTER COLUMN ... SET COMPRESSION", ctx.stmt.begin);
    } else if (subtype == "AT_SetRelOptions" &&
               FindDefElem(cmd["def"], "security_invoker").exists()) {
      Require(ctx, 15, "the security_invoker view option", ctx.stmt.begin);
    }
  }
}

}  // namespace

void CheckVersionRules(Context& ctx) {
  std::string_view type = ctx.stmt.type;
  if (type == "MergeStmt") {
    Require(ctx, 15, "MERGE", ctx.stmt.begin);
  } else if (type == "AlterTableStmt") {
    CheckAlterTableCommands(ctx);
  } else if (type == "ViewStmt" &&
             FindDefElem(ctx.stmt.body["options"], "security_invoker").exists()) {
    Require(ctx, 15, "the security_invoker view option", ctx.stmt.begin);
  } else if (type == "ReindexStmt" && FindDefElem(ctx.stmt.body["params"], "tablespace").exists()) {
    Require(ctx, 14, "REINDEX (TABLESPACE ...)", ctx.stmt.begin);
  } else if (type == "CreateFunctionStmt" && ctx.stmt.body["sql_body"].exists()) {
    Require(ctx, 14, "a SQL-standard function body (BEGIN ATOMIC or RETURN)", ctx.stmt.begin);
  } else if (type == "CreateTrigStmt" && ctx.stmt.body["replace"].is_true()) {
    Require(ctx, 14, "CREATE OR REPLACE TRIGGER", ctx.stmt.begin);
  } else if (type == "VacuumStmt") {
    for (const auto& [option, version] : kVacuumOptions) {
      JsonValue found = FindDefElem(ctx.stmt.body["options"], option);
      if (found.exists()) {
        Require(ctx, version, fmt::format("the VACUUM option {}", option),
                ctx.stmt.OffsetOf(found));
      }
    }
  }
  // Anywhere in a statement: UNIQUE NULLS NOT DISTINCT, a column's COMPRESSION.
  bool nulls_not_distinct = false;
  bool compression = false;
  ctx.stmt.body.ForEachDescendant([&](JsonValue v) {
    if (v.key() == "nulls_not_distinct" && v.is_true()) nulls_not_distinct = true;
    if (v.key() == "compression" && v.is_string()) compression = true;
  });
  if (nulls_not_distinct) Require(ctx, 15, "NULLS NOT DISTINCT", ctx.stmt.begin);
  if (compression) Require(ctx, 14, "a column's COMPRESSION clause", ctx.stmt.begin);
}

}  // namespace zs::lint
