// Diagnose's searches of the catalogs, one kind of finding each: only what
// zeroshift.created_objects records is zeroshift's (doctor.h).
#include "doctor/doctor_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "migration/names.h"
#include "schema/schema.h"
#include "triggers/dual_write.h"

namespace zs::doctor::detail {

Status FindTriggers(Context& ctx) {
  // Clones of a partitioned table's trigger (tgparentid) go with their parent.
  // On PostgreSQL two triggers of a table share one function (the ordinary
  // sessions' and the replica-mode twin, postgres_dual_write_origin.h).
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams(
          "SELECT c.relname, t.tgname, pn.nspname, p.proname, p.oid::text, "
          "(SELECT count(*) FROM pg_trigger o WHERE o.tgfoid = t.tgfoid AND o.tgparentid = 0) "
          "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
          "JOIN pg_namespace n ON n.oid = c.relnamespace "
          "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace "
          "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND n.nspname = $1 AND " +
              ctx.Recorded("trigger", "t.oid", "0", "t.tgname") + " AND " +
              ctx.Recorded("function", "p.oid", "0", "p.proname") + " ORDER BY 1, 2",
          {ctx.schema}));
  std::vector<int> reported;
  for (int i = 0; i < rows.size(); ++i) {
    if (!ctx.Accounts(rows.Get(i, 0), rows.Get(i, 1))) reported.push_back(i);
  }
  for (int i : reported) {
    std::string table = rows.Get(i, 0), trigger = rows.Get(i, 1), function = rows.Get(i, 4);
    std::string fix =
        fmt::format("DROP TRIGGER IF EXISTS {} ON {};", pg::QuoteIdent(trigger), ctx.Table(table));
    // The function goes with the last of its triggers Fix drops (they run in
    // this order), and only when every trigger calling it is one of these
    // recorded leftovers: a user's own trigger calling it keeps it.
    long long same = std::count_if(reported.begin(), reported.end(),
                                   [&](int r) { return rows.Get(r, 4) == function; });
    bool last = std::none_of(reported.begin(), reported.end(),
                             [&](int r) { return r > i && rows.Get(r, 4) == function; });
    if (last && same == rows.GetInt(i, 5)) {
      fix += fmt::format("\nDROP FUNCTION IF EXISTS {}();",
                         pg::QualifiedName(triggers::kStateSchema, rows.Get(i, 3)));
    }
    ctx.Add({.kind = kTrigger,
             .object = fmt::format("{} ON {}", pg::QuoteIdent(trigger), ctx.Table(table)),
             .reason = ctx.active ? fmt::format("a dual-write trigger that active migration \"{}\" "
                                                "does not use",
                                                ctx.active->record.name)
                                  : "a dual-write trigger, but no migration is active, so every "
                                    "write still pays for it",
             .fix_sql = fix,
             .active_migration = ctx.RelatedTo(table)});
  }
  return Status::Ok();
}

Status FindOrphanFunctions(Context& ctx) {
  if (!ctx.initialized) return Status::Ok();
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                          "p.pronamespace WHERE n.nspname = $1 AND " +
                              ctx.Recorded("function", "p.oid", "0", "p.proname") +
                              " AND p.prorettype = 'trigger'::regtype AND NOT EXISTS (SELECT 1 "
                              "FROM pg_trigger t WHERE t.tgfoid = p.oid) ORDER BY 1",
                          {triggers::kStateSchema}));
  // The functions live in one schema for all base schemas; a hashed name does
  // not say whose it is, so an active migration elsewhere keeps them all.
  ZS_ASSIGN_OR_RETURN(pg::Rows elsewhere,
                      ctx.conn.ExecParams("SELECT format('\"%s\" (schema \"%s\")', name, schema) "
                                          "FROM zeroshift.migrations WHERE NOT done AND schema "
                                          "<> $1 ORDER BY 1 LIMIT 1",
                                          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string name = rows.Get(i, 0);
    std::string qualified = pg::QualifiedName(triggers::kStateSchema, name);
    std::string related;
    if (ctx.active && (!ctx.active->readable || ctx.active->NamesAnywhere(name))) {
      related = ctx.active->record.name;
    } else if (!elsewhere.empty()) {
      related = elsewhere.Get(0, 0);
    }
    ctx.Add({.kind = kTriggerFunction,
             .object = qualified + "()",
             .reason = "a dual-write trigger function that no trigger calls",
             .fix_sql = fmt::format("DROP FUNCTION IF EXISTS {}();", qualified),
             .active_migration = related});
  }
  return Status::Ok();
}

Status FindTemporaryColumns(Context& ctx) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams("SELECT c.relname, a.attname FROM pg_attribute a "
                          "JOIN pg_class c ON c.oid = a.attrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
                          "AND NOT a.attisdropped AND a.attinhcount = 0 AND " +
                              ctx.Recorded("column", "a.attrelid", "a.attnum", "a.attname") +
                              " ORDER BY 1, 2",
                          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), column = rows.Get(i, 1);
    if (ctx.Accounts(table, column)) continue;
    ctx.Add({.kind = kTemporaryColumn,
             .object = ctx.Table(table) + "." + pg::QuoteIdent(column),
             .reason = ctx.active
                           ? fmt::format("a temporary column of alter_column that active "
                                         "migration \"{}\" does not use",
                                         ctx.active->record.name)
                           : "a temporary column of alter_column, but no migration is active",
             .fix_sql = fmt::format("ALTER TABLE {} DROP COLUMN IF EXISTS {};", ctx.Table(table),
                                    pg::QuoteIdent(column)),
             .active_migration = ctx.RelatedTo(table)});
  }
  return Status::Ok();
}

Status FindConstraints(Context& ctx) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams("SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) "
                          "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = $1 AND con.coninhcount = 0 AND " +
                              ctx.Recorded("constraint", "con.oid", "0", "con.conname") +
                              " ORDER BY 1, 2",
                          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), name = rows.Get(i, 1);
    if (ctx.Accounts(table, name)) continue;
    ctx.Add(
        {.kind = kConstraint,
         .object = fmt::format("{} ON {}", pg::QuoteIdent(name), ctx.Table(table)),
         .reason = fmt::format("zeroshift's interim constraint ({}), but {}", rows.Get(i, 2),
                               ctx.active ? fmt::format("active migration \"{}\" does not use it",
                                                        ctx.active->record.name)
                                          : "no migration is active"),
         .fix_sql = fmt::format("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {};", ctx.Table(table),
                                pg::QuoteIdent(name)),
         .active_migration = ctx.RelatedTo(table)});
  }
  return Status::Ok();
}

Status FindIndexes(Context& ctx) {
  // INVALID indexes of any name, and valid ones named _zs_ (the duplicates a
  // column swap builds) that no active migration accounts for. An index that
  // a CREATE INDEX CONCURRENTLY is building right now is INVALID too;
  // pg_stat_progress_create_index tells them apart. Indexes that back a
  // constraint go with the constraint.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams(
          "SELECT ic.relname, tc.relname, ic.relkind = 'I', i.indisvalid, " +
              ctx.Recorded("index", "ic.oid", "0", "ic.relname") +
              " FROM pg_index i "
              "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid "
              "JOIN pg_namespace n ON n.oid = ic.relnamespace "
              "WHERE n.nspname = $1 AND (NOT i.indisvalid OR " +
              ctx.Recorded("index", "ic.oid", "0", "ic.relname") +
              ") "
              "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
              "AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p "
              "WHERE p.index_relid = i.indexrelid) ORDER BY 1",
          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string index = rows.Get(i, 0), table = rows.Get(i, 1);
    bool partitioned = rows.GetBool(i, 2);  // no CONCURRENTLY for a partitioned index
    bool valid = rows.GetBool(i, 3);
    bool own = rows.GetBool(i, 4);  // recorded as created by zeroshift
    bool accounted = ctx.Accounts(table, index);
    if (valid && accounted) continue;
    std::string drop = fmt::format("DROP INDEX {}IF EXISTS {};", partitioned ? "" : "CONCURRENTLY ",
                                   ctx.Table(index));
    std::string owner =
        own ? (accounted
                   ? fmt::format("created by active migration \"{}\"", ctx.active->record.name)
                   : std::string("created by zeroshift (recorded)"))
            : "not created by zeroshift (no record of it), so doctor --fix leaves it: drop it "
              "yourself with " +
                  drop;
    std::string reason =
        valid ? fmt::format(
                    "a duplicate index zeroshift builds on {} while a column changes, but "
                    "{}",
                    ctx.Table(table),
                    ctx.active ? fmt::format("active migration \"{}\" does not use it",
                                             ctx.active->record.name)
                               : "no migration is active")
              : fmt::format(
                    "INVALID index on {} (a CREATE or REINDEX CONCURRENTLY that failed or "
                    "was interrupted): every write maintains it, no query uses it; {}",
                    ctx.Table(table), owner);
    ctx.Add({.kind = valid ? kIndex : kInvalidIndex,
             .object = ctx.Table(index),
             .reason = reason,
             .fix_sql = own ? drop : "",
             .concurrently = !partitioned,
             .zeroshift_owned = own,
             .active_migration = ctx.RelatedTo(table)});
  }
  return Status::Ok();
}

// Version schemas the state accounts for, of every base schema (one base
// schema may be named like a version of another: "public" and "public_app").
Result<std::set<std::string>> KnownSchemas(Context& ctx) {
  std::set<std::string> known;
  if (!ctx.initialized) return known;
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.Exec("SELECT schema, version_schema FROM zeroshift.migrations m WHERE NOT done "
                    "OR (done AND version_schema <> '' AND NOT EXISTS (SELECT 1 FROM "
                    "zeroshift.migrations later WHERE later.schema = m.schema AND later.done AND "
                    "later.version_schema <> '' AND (later.created_at, later.name) > "
                    "(m.created_at, m.name)))"));
  for (int i = 0; i < rows.size(); ++i) {
    known.insert(rows.Get(i, 0));
    known.insert(rows.Get(i, 1));
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows bases, ctx.conn.Exec("SELECT DISTINCT schema FROM "
                                                    "zeroshift.migrations"));
  for (int i = 0; i < bases.size(); ++i) known.insert(bases.Get(i, 0));
  // A baseline version (Engine::CreateBaselineVersion) until the first
  // migration started after it completes and drops it.
  ZS_ASSIGN_OR_RETURN(pg::Rows has,
                      ctx.conn.Exec("SELECT to_regclass('zeroshift.baseline_versions') "
                                    "IS NOT NULL"));
  if (!has.GetBool(0, 0)) return known;
  ZS_ASSIGN_OR_RETURN(
      pg::Rows baselines,
      ctx.conn.Exec("SELECT version_schema FROM zeroshift.baseline_versions b WHERE NOT EXISTS "
                    "(SELECT 1 FROM zeroshift.migrations m WHERE m.schema = b.schema AND m.done "
                    "AND m.version_schema <> '' AND m.created_at > b.created_at)"));
  for (int i = 0; i < baselines.size(); ++i) known.insert(baselines.Get(i, 0));
  return known;
}

// Why a version-shaped schema is stray, in the words of the state.
std::string VersionSchemaReason(const Context& ctx, const std::string& name, long long views) {
  std::string shape = views == 0   ? std::string("an empty schema")
                      : views == 1 ? std::string("a schema holding one view only")
                                   : fmt::format("a schema holding {} views only", views);
  std::string what = fmt::format("{} named like a version of \"{}\"", shape, ctx.schema);
  for (const auto& record : ctx.history) {
    if (!record.done || !SameIdentifier(name, record.version_schema)) continue;
    return fmt::format(
        "{}: the version of migration \"{}\", completed before the latest one, so the next "
        "complete should have dropped it",
        what, record.name);
  }
  return fmt::format(
      "{}: no migration in the state has it as its version (the active one's is "
      "{}, the latest completed one's {})",
      what, ctx.active ? "\"" + ctx.active->record.version_schema + "\"" : "none",
      ctx.latest_done.empty() ? "none" : "\"" + ctx.latest_done + "\"");
}

Status FindVersionSchemas(Context& ctx) {
  ZS_ASSIGN_OR_RETURN(std::set<std::string> known, KnownSchemas(ctx));
  // Only schemas shaped like a version: views reading nothing but relations
  // of the base schema, and no other object. Anything else is someone's own.
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, ctx.conn.ExecParams(R"sql(
SELECT s.nspname, s.views FROM (
  SELECT n.nspname,
    (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'v') AS views,
    (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind <> 'v')
    + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)
    + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0
       AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typrelid <> 0))
      AS others,
    (SELECT count(*) FROM pg_class v JOIN pg_rewrite r ON r.ev_class = v.oid
     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
       AND d.refclassid = 'pg_class'::regclass
     JOIN pg_class ref ON ref.oid = d.refobjid
     WHERE v.relnamespace = n.oid AND ref.oid <> v.oid
       AND ref.relnamespace <> (SELECT oid FROM pg_namespace WHERE nspname = $1)) AS foreign_refs,
    -- Reads of system catalogs leave no pg_depend row: every view must read the base schema.
    (SELECT count(*) FROM pg_class v WHERE v.relnamespace = n.oid AND v.relkind = 'v'
     AND NOT EXISTS (SELECT 1 FROM pg_rewrite r
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
         AND d.refclassid = 'pg_class'::regclass
       JOIN pg_class ref ON ref.oid = d.refobjid
       WHERE r.ev_class = v.oid AND ref.oid <> v.oid
         AND ref.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1))) AS unanchored
  FROM pg_namespace n WHERE )sql" + ctx.Recorded("schema", "n.oid", "0", "n.nspname") +
                                                             R"sql(
) s WHERE s.others = 0 AND s.foreign_refs = 0 AND s.unanchored = 0 ORDER BY 1)sql",
                                                         {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string name = rows.Get(i, 0);
    bool accounted = std::any_of(known.begin(), known.end(),
                                 [&](const std::string& k) { return SameIdentifier(name, k); });
    if (accounted) continue;
    ctx.Add({.kind = kVersionSchema,
             .object = pg::QuoteIdent(name),
             .reason = VersionSchemaReason(ctx, name, rows.GetInt(i, 1)),
             .fix_sql = fmt::format("DROP SCHEMA IF EXISTS {} CASCADE;", pg::QuoteIdent(name))});
  }
  return Status::Ok();
}

Status FindBackfillRows(Context& ctx) {
  if (!ctx.initialized) return Status::Ok();
  ZS_ASSIGN_OR_RETURN(
      pg::Rows exists,
      ctx.conn.Exec("SELECT to_regclass('zeroshift.backfill_control') IS NOT NULL"));
  std::string control =
      exists.GetBool(0, 0)
          ? "UNION ALL SELECT 'backfill_control', b.migration, NULL FROM "
            "zeroshift.backfill_control b WHERE b.schema = $1 AND NOT EXISTS (SELECT 1 FROM "
            "zeroshift.migrations m WHERE m.schema = b.schema AND m.name = b.migration AND NOT "
            "m.done) "
          : "";
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams(
          "SELECT 'backfill_cursors', b.migration, b.table_name FROM zeroshift.backfill_cursors "
          "b WHERE b.schema = $1 AND NOT EXISTS (SELECT 1 FROM zeroshift.migrations m WHERE "
          "m.schema = b.schema AND m.name = b.migration AND NOT m.done) " +
              control + "ORDER BY 1, 2, 3",
          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), migration = rows.Get(i, 1);
    std::optional<std::string> target = rows.GetOptional(i, 2);
    std::string where = fmt::format("schema = {} AND migration = {}", pg::QuoteLiteral(ctx.schema),
                                    pg::QuoteLiteral(migration));
    if (target) where += " AND table_name = " + pg::QuoteLiteral(*target);
    ctx.Add({.kind = kBackfillState,
             .object = fmt::format("zeroshift.{} row ({}, {}{})", table, ctx.schema, migration,
                                   target ? ", " + *target : ""),
             .reason =
                 fmt::format("backfill state of migration \"{}\", which is not active", migration),
             .fix_sql = fmt::format("DELETE FROM zeroshift.{} WHERE {};", table, where)});
  }
  return Status::Ok();
}

}  // namespace zs::doctor::detail
