#include "doctor/doctor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "engine/planner.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "pg/quote.h"
#include "pg/session.h"
#include "schema/schema.h"
#include "state/load_migration.h"
#include "state/state_store.h"
#include "triggers/dual_write.h"

namespace zs::doctor {

namespace {

constexpr size_t kMaxIdentifierBytes = 63;

// A zeroshift command that has just exited still shows its advisory lock for
// the few milliseconds its backend takes to end; look again for a second
// before calling the lock taken.
constexpr int kLockChecks = 20;
constexpr std::chrono::milliseconds kLockCheckInterval{50};

// True when `catalog` is the name PostgreSQL stored for `generated`: equal,
// or `generated` was longer than 63 bytes and silently truncated (at a
// character boundary, so possibly a few bytes short of 63).
bool SameIdentifier(const std::string& catalog, const std::string& generated) {
  if (catalog == generated) return true;
  return generated.size() > kMaxIdentifierBytes && catalog.size() + 4 > kMaxIdentifierBytes &&
         generated.compare(0, catalog.size(), catalog) == 0;
}

// `sql` names the identifier `name` (quoted), allowing for truncation.
bool SqlNames(const std::string& sql, const std::string& name) {
  if (sql.find(pg::QuoteIdent(name)) != std::string::npos) return true;
  if (name.size() + 4 <= kMaxIdentifierBytes) return false;
  return sql.find("\"" + name) != std::string::npos;  // a longer name PostgreSQL truncated
}

// SQL boolean: zeroshift.created_objects records creating the object of
// `kind` whose catalog identity is (`oid`, `attnum`) and name is `name` (SQL
// expressions over the query's own rows). Doctor reports and drops only such
// objects (SAFETY.md invariant 3): it never guesses from a `_zs_` prefix or a
// schema named like a version. FALSE when the state has no records (not
// initialised, or not yet upgraded by a command that takes the lock).
std::string Recorded(bool tracked, const char* kind, const std::string& oid,
                     const std::string& attnum, const std::string& name) {
  if (!tracked) return "false";
  return fmt::format(
      "EXISTS (SELECT 1 FROM zeroshift.created_objects r WHERE r.kind = '{}' AND "
      "r.object_oid = {} AND r.attnum = {} AND r.name = {})",
      kind, oid, attnum, name);
}

// What the active migration of the schema accounts for: the objects its own
// complete and rollback actions name, table by table.
struct ActiveMigration {
  // Typed by state::LoadMigration; only its identity (schema, name,
  // version_schema) when the row cannot be read back.
  state::MigrationRecord record;
  std::string step;       // as stored: an unknown step is reported as it is
  bool readable = false;  // its migration and snapshots could be read back
  std::string unreadable_reason;
  std::vector<ops::Action> actions;      // complete + rollback
  std::set<std::string> tables;          // physical tables it works on
  std::set<std::string> trigger_tables;  // tables that must carry its dual-write trigger

  bool Touches(const std::string& table) const { return !readable || tables.count(table) > 0; }
  // `name` (a trigger, column or constraint of `table`) is named by one of its actions on `table`.
  bool Names(const std::string& table, const std::string& name) const {
    return std::any_of(actions.begin(), actions.end(), [&](const ops::Action& action) {
      return action.table == table && SqlNames(action.sql, name);
    });
  }
  bool NamesAnywhere(const std::string& name) const {
    return std::any_of(actions.begin(), actions.end(),
                       [&](const ops::Action& action) { return SqlNames(action.sql, name); });
  }
};

// Rebuilds the active migration's complete and rollback actions from its
// state row, exactly as the engine does before it runs them.
Status LoadActions(ActiveMigration& active) {
  const state::MigrationRecord& record = active.record;
  ZS_ASSIGN_OR_RETURN(
      migration::Migration migration,
      migration::ParseStoredMigration(record.migration_json, record.name + ".json"));
  migration.name = record.name;
  ZS_ASSIGN_OR_RETURN(engine::Operations operations, engine::MakeOperations(migration));
  const std::vector<schema::Schema>& snapshots = record.snapshots;
  if (snapshots.empty()) return Internal("it has no schema snapshots");
  engine::PlanInput input{.migration = &migration, .version_schema = record.version_schema};
  active.actions = engine::CompleteActions(input, operations, snapshots);
  auto rollback = engine::RollbackActions(input, operations, snapshots);
  active.actions.insert(active.actions.end(), rollback.begin(), rollback.end());
  for (const auto& action : active.actions) {
    if (!action.table.empty()) active.tables.insert(action.table);
  }
  for (const auto& spec : engine::TriggerSpecs(input, operations, snapshots)) {
    active.trigger_tables.insert(spec.table);
    active.tables.insert(spec.table);
  }
  return Status::Ok();
}

// The active migration through state::LoadMigration, like the engine; a row
// it refuses (unknown step, damaged snapshots) is kept by its identity, so
// that doctor reports it instead of failing.
Result<std::optional<ActiveMigration>> LoadActive(state::StateStore& state,
                                                  const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(auto row, state.ActiveRow(schema));
  if (!row) return std::optional<ActiveMigration>();
  ActiveMigration active{.step = row->step};
  Result<state::MigrationRecord> record = state::LoadMigration(*row);
  Status loaded = record.status();
  if (record.ok()) {
    active.record = std::move(record).value();
    loaded = LoadActions(active);
  } else {
    active.record = {
        .schema = row->schema, .name = row->name, .version_schema = row->version_schema};
  }
  active.readable = loaded.ok();
  if (!loaded.ok()) active.unreadable_reason = loaded.message();
  return std::optional<ActiveMigration>(std::move(active));
}

// Everything Diagnose looks at, gathered once.
struct Context {
  pg::Connection& conn;
  std::string schema;
  bool initialized = false;
  bool tracked = false;  // zeroshift.created_objects exists
  std::optional<ActiveMigration> active;
  // Of `schema`, oldest first, as stored: doctor needs only names and
  // version schemas, and a damaged row must not keep it from reporting.
  std::vector<state::StoredMigration> history;
  std::string latest_done;  // version schema of the latest completed one
  Report report;

  std::string Recorded(const char* kind, const std::string& oid, const std::string& attnum,
                       const std::string& name) const {
    return doctor::Recorded(tracked, kind, oid, attnum, name);
  }
  // The active migration's name when `table` is one it works on, else "".
  std::string RelatedTo(const std::string& table) const {
    return active && active->Touches(table) ? active->record.name : "";
  }
  bool Accounts(const std::string& table, const std::string& name) const {
    return active && active->readable && active->Names(table, name);
  }
  std::string Table(const std::string& table) const { return pg::QualifiedName(schema, table); }
  void Add(Finding finding) { report.findings.push_back(std::move(finding)); }
};

Status FindTriggers(Context& ctx) {
  // Clones of a partitioned table's trigger (tgparentid) go with their parent.
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      ctx.conn.ExecParams(
          "SELECT c.relname, t.tgname, pn.nspname, p.proname, "
          "(SELECT count(*) FROM pg_trigger o WHERE o.tgfoid = t.tgfoid AND o.oid <> t.oid "
          "AND o.tgparentid = 0) "
          "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
          "JOIN pg_namespace n ON n.oid = c.relnamespace "
          "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace "
          "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND n.nspname = $1 AND " +
              ctx.Recorded("trigger", "t.oid", "0", "t.tgname") + " AND " +
              ctx.Recorded("function", "p.oid", "0", "p.proname") + " ORDER BY 1, 2",
          {ctx.schema}));
  for (int i = 0; i < rows.size(); ++i) {
    std::string table = rows.Get(i, 0), trigger = rows.Get(i, 1);
    if (ctx.Accounts(table, trigger)) continue;
    std::string fix =
        fmt::format("DROP TRIGGER IF EXISTS {} ON {};", pg::QuoteIdent(trigger), ctx.Table(table));
    bool own_function = rows.GetInt(i, 4) == 0;  // recorded (above) and no other trigger
    if (own_function) {
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

// An active migration that no zeroshift process is running and whose own
// objects are missing, or that stopped between steps no command resumes.
Status CheckActive(Context& ctx) {
  if (!ctx.active) return Status::Ok();
  const state::MigrationRecord& record = ctx.active->record;
  auto report = [&](std::string object, std::string reason) {
    ctx.Add({.kind = kActiveMigration,
             .object = std::move(object),
             .reason = std::move(reason),
             .active_migration = record.name});
  };
  std::string migration = fmt::format("migration \"{}\" (step {})", record.name, ctx.active->step);
  if (!ctx.active->readable) {
    report(pg::QuoteLiteral(record.name),
           fmt::format("the state row of active {} cannot be read back ({}); `zeroshift "
                       "rollback` cannot use it either: inspect zeroshift.migrations by hand",
                       migration, ctx.active->unreadable_reason));
    return Status::Ok();
  }
  if (record.step == state::Step::kStarting) {
    report(pg::QuoteLiteral(record.name),
           fmt::format("{} stopped during expand and no zeroshift process is running it; run "
                       "`zeroshift rollback` to undo it, then `zeroshift start` again",
                       migration));
    return Status::Ok();
  }
  if (record.step == state::Step::kCompleting || record.step == state::Step::kRollingBack) {
    const char* command = record.step == state::Step::kCompleting ? "complete" : "rollback";
    report(pg::QuoteLiteral(record.name),
           fmt::format("{} stopped part-way through {} and no zeroshift process is running it; "
                       "run `zeroshift {}` again to finish it",
                       migration, command, command));
    return Status::Ok();
  }
  std::string advice =
      "run `zeroshift rollback` (it skips what is already gone), then "
      "`zeroshift start` with the migration file again";
  ZS_ASSIGN_OR_RETURN(pg::Rows version,
                      ctx.conn.ExecParams("SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                                          {record.version_schema}));
  if (version.GetInt(0, 0) == 0) {
    report(pg::QuoteIdent(record.version_schema),
           fmt::format("the version schema of active {} is missing; {}", migration, advice));
  }
  for (const auto& table : ctx.active->trigger_tables) {
    std::string name = triggers::TableTriggerName(ctx.schema, table);
    std::string function = triggers::TableTriggerFunctionName(ctx.schema, table);
    ZS_ASSIGN_OR_RETURN(
        pg::Rows found,
        ctx.conn.ExecParams(
            "SELECT (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = to_regclass($1) "
            "AND t.tgname = $2), (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = "
            "p.pronamespace WHERE n.nspname = $3 AND p.proname = $4)",
            {ctx.Table(table), name.substr(0, kMaxIdentifierBytes), triggers::kStateSchema,
             function.substr(0, kMaxIdentifierBytes)}));
    if (found.GetInt(0, 0) == 0) {
      report(fmt::format("{} ON {}", pg::QuoteIdent(name), ctx.Table(table)),
             fmt::format("the dual-write trigger of active {} is missing, so writes from one "
                         "version do not reach the other; {}",
                         migration, advice));
    } else if (found.GetInt(0, 1) == 0) {
      report(pg::QualifiedName(triggers::kStateSchema, function) + "()",
             fmt::format("the trigger function of active {} is missing; {}", migration, advice));
    }
  }
  return Status::Ok();
}

Result<Report> DiagnoseLocked(pg::Connection& conn, const std::string& schema) {
  Context ctx{.conn = conn, .schema = schema};
  ctx.report.schema = schema;
  state::StateStore state(conn);
  ZS_ASSIGN_OR_RETURN(ctx.initialized, state.IsInitialized());
  if (ctx.initialized) {
    ZS_ASSIGN_OR_RETURN(pg::Rows tracked,
                        conn.Exec("SELECT to_regclass('zeroshift.created_objects') IS NOT NULL"));
    ctx.tracked = tracked.GetBool(0, 0);
    ZS_ASSIGN_OR_RETURN(ctx.active, LoadActive(state, schema));
    ZS_ASSIGN_OR_RETURN(ctx.history, state.HistoryRows(schema));
    // A baseline has no version schema, so no complete after it drops the
    // one before it: that one stays the latest.
    for (const auto& record : ctx.history) {
      if (record.done && !record.version_schema.empty()) ctx.latest_done = record.version_schema;
    }
  }
  if (ctx.active) {
    ctx.report.active_migration = ctx.active->record.name;
    ctx.report.active_step = ctx.active->step;
  }
  // In the order Fix runs them: a stray version's views hold on to the
  // columns they show, and a trigger to the columns its function assigns.
  ZS_RETURN_IF_ERROR(FindVersionSchemas(ctx));
  ZS_RETURN_IF_ERROR(FindTriggers(ctx));
  ZS_RETURN_IF_ERROR(FindOrphanFunctions(ctx));
  ZS_RETURN_IF_ERROR(FindConstraints(ctx));
  ZS_RETURN_IF_ERROR(FindTemporaryColumns(ctx));
  ZS_RETURN_IF_ERROR(FindIndexes(ctx));
  ZS_RETURN_IF_ERROR(FindBackfillRows(ctx));
  ZS_RETURN_IF_ERROR(CheckActive(ctx));
  return std::move(ctx.report);
}

// The schema's advisory lock (StateStore::AcquireSchemaLock), released when
// the guard goes out of scope so that a caller's connection can go on to
// run the engine.
class SchemaLock {
 public:
  static Result<std::unique_ptr<SchemaLock>> Acquire(pg::Connection& conn,
                                                     const std::string& schema) {
    state::StateStore state(conn);
    Status acquired = state.AcquireSchemaLock(schema);
    for (int check = 1; acquired.code() == Code::kConflict && check < kLockChecks; ++check) {
      std::this_thread::sleep_for(kLockCheckInterval);
      acquired = state.AcquireSchemaLock(schema);
    }
    ZS_RETURN_IF_ERROR(acquired);
    return std::unique_ptr<SchemaLock>(new SchemaLock(conn, schema));
  }
  ~SchemaLock() {
    (void)conn_.RunParams("SELECT pg_advisory_unlock(hashtext('zeroshift:' || $1))", {schema_});
  }
  SchemaLock(const SchemaLock&) = delete;
  SchemaLock& operator=(const SchemaLock&) = delete;

 private:
  SchemaLock(pg::Connection& conn, std::string schema) : conn_(conn), schema_(std::move(schema)) {}
  pg::Connection& conn_;
  std::string schema_;
};

}  // namespace

nlohmann::json Finding::ToJson() const {
  nlohmann::json out{{"kind", kind},
                     {"object", object},
                     {"why", reason},
                     {"fix_sql", fix_sql.empty() ? nlohmann::json() : nlohmann::json(fix_sql)},
                     {"zeroshift_owned", zeroshift_owned}};
  out["active_migration"] =
      active_migration.empty() ? nlohmann::json() : nlohmann::json(active_migration);
  return out;
}

nlohmann::json Report::ToJson() const {
  nlohmann::json out{
      {"schema", schema},
      {"active_migration",
       active_migration.empty() ? nlohmann::json() : nlohmann::json(active_migration)},
      {"findings", nlohmann::json::array()}};
  for (const auto& finding : findings) out["findings"].push_back(finding.ToJson());
  if (!fixed.empty() || !refused.empty()) {
    out["fixed"] = nlohmann::json::array();
    for (const auto& finding : fixed) out["fixed"].push_back(finding.ToJson());
    out["not_fixed"] = nlohmann::json::array();
    for (const auto& [finding, why] : refused) {
      nlohmann::json entry = finding.ToJson();
      entry["not_fixed_because"] = why;
      out["not_fixed"].push_back(std::move(entry));
    }
  }
  return out;
}

namespace {

// "  fix: <first line>" then the other lines aligned under it.
std::string Indented(const std::string& label, const std::string& text) {
  std::string out = "  " + label + ": ";
  std::string pad(out.size(), ' ');
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    out += (begin == 0 ? "" : pad) + text.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  return out;
}

std::string FindingText(const Finding& f) {
  std::string out =
      fmt::format("{} {}{}\n", f.kind, f.object,
                  f.kind == kInvalidIndex && !f.zeroshift_owned ? " (not zeroshift's)" : "");
  out += Indented("why", f.reason);
  out += Indented("fix", f.fix_sql.empty() ? "(none: see why)" : f.fix_sql);
  return out;
}

}  // namespace

std::string Report::ToText() const {
  std::string out = fmt::format(
      "schema \"{}\": {}\n", schema,
      active_migration.empty()
          ? std::string("no migration is active")
          : fmt::format("migration \"{}\" is active (step {})", active_migration, active_step));
  for (const auto& finding : fixed) out += "fixed: " + FindingText(finding);
  for (const auto& [finding, why] : refused) {
    out += "not fixed: " + FindingText(finding) + Indented("because", why);
  }
  if (findings.empty()) return out + "no half-applied zeroshift objects found\n";
  out += fmt::format("{} finding{}:\n", findings.size(), findings.size() == 1 ? "" : "s");
  for (const auto& finding : findings) out += FindingText(finding);
  return out;
}

Result<Report> Diagnose(pg::Connection& conn, const std::string& schema) {
  // The caller's session may name any schema first; a function there that
  // shadows a built-in doctor calls would run as zeroshift (SAFETY.md).
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(schema)));
  state::StateStore state(conn);
  bool running = true;
  for (int check = 0; running && check < kLockChecks; ++check) {
    if (check > 0) std::this_thread::sleep_for(kLockCheckInterval);
    ZS_ASSIGN_OR_RETURN(running, state.SchemaLockHeldElsewhere(schema));
  }
  if (running) {
    return Conflict(fmt::format(
        "a zeroshift command is running on schema \"{}\" (it holds the advisory lock), so what "
        "it is building would look half-applied; run `zeroshift doctor` once it has finished",
        schema));
  }
  return DiagnoseLocked(conn, schema);
}

Result<Report> Fix(pg::Connection& conn, const std::string& schema, const pg::RetryPolicy& policy) {
  ZS_RETURN_IF_ERROR(pg::PinSearchPath(conn, pg::PinnedSearchPath(schema)));
  ZS_ASSIGN_OR_RETURN(std::unique_ptr<SchemaLock> lock, SchemaLock::Acquire(conn, schema));
  state::StateStore state(conn);
  ZS_ASSIGN_OR_RETURN(bool initialized, state.IsInitialized());
  if (initialized) ZS_RETURN_IF_ERROR(state.Upgrade());
  ZS_ASSIGN_OR_RETURN(Report before, DiagnoseLocked(conn, schema));
  pg::DdlRunner runner(conn, policy);
  std::vector<Finding> fixed;
  std::vector<std::pair<Finding, std::string>> refused;
  for (const auto& finding : before.findings) {
    if (finding.fix_sql.empty()) continue;  // reported again below: a person decides
    if (!finding.active_migration.empty()) {
      refused.emplace_back(
          finding, fmt::format("migration {} is active and this object may be its own; "
                               "finish it with `zeroshift complete` or `zeroshift rollback`, "
                               "then run `zeroshift doctor --fix` again",
                               finding.active_migration.starts_with("\"")
                                   ? finding.active_migration
                                   : "\"" + finding.active_migration + "\""));
      continue;
    }
    Status status = runner.Run(finding.fix_sql, {.concurrently = finding.concurrently});
    if (status.ok()) {
      fixed.push_back(finding);
    } else {
      refused.emplace_back(finding, status.ToString());
    }
  }
  ZS_ASSIGN_OR_RETURN(Report after, DiagnoseLocked(conn, schema));
  after.fixed = std::move(fixed);
  after.refused = std::move(refused);
  return after;
}

}  // namespace zs::doctor
