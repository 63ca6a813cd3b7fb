// The checks around the rehearsal (rehearsal.h): the columns a migration
// replaces, what depends on them (before start), the order of the user's
// triggers, and what was added on them since start (at complete). PostgreSQL
// and MariaDB share the logic; what each asks its catalog sits behind the
// Rehearsal* helpers below (rehearsal_mariadb.h for MariaDB's).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "backend/postgres_backend.h"
#include "engine/rehearsal.h"
#include "engine/rehearsal_internal.h"
#include "engine/rehearsal_mariadb.h"
#include "ops/operation.h"
#include "pg/quote.h"
#include "schema/dependents.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write_origin.h"

namespace zs::engine {

namespace {

// The version namespaces whose views are not the user's (recreated by the
// migrations): PostgreSQL's recorded version schemas; MariaDB's version
// databases of `schema`'s migrations, from the state store.
Result<std::vector<std::string>> RehearsalVersionNamespaces(backend::Session& session,
                                                            const std::string& schema) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return schema::RecordedVersionSchemas(backend::PostgresConnection(session));
    case backend::Kind::kMariadb:
      return MariadbVersionDatabases(session, schema);
  }
  return Internal("unknown backend");
}

// PostgreSQL: the constraints and indexes on column `column`, from pg_depend.
Result<std::vector<std::pair<std::string, std::string>>> PostgresIndexesAndConstraintsOn(
    pg::Connection& conn, const std::string& schema, const std::string& table,
    const std::string& column) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(R"sql(
SELECT CASE WHEN d.classid = 'pg_constraint'::regclass THEN 'constraint' ELSE 'index' END,
       CASE WHEN d.classid = 'pg_constraint'::regclass
            THEN (SELECT conname FROM pg_constraint WHERE oid = d.objid)
            ELSE (SELECT relname FROM pg_class WHERE oid = d.objid) END
FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = to_regclass($1) AND a.attname = $2
  AND (d.classid = 'pg_constraint'::regclass OR
       (d.classid = 'pg_class'::regclass AND
        (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('i', 'I')))
ORDER BY 1, 2)sql",
                                                     {pg::QualifiedName(schema, table), column}));
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.Get(i, 0), rows.Get(i, 1));
  return out;
}

// ("constraint" | "index", name) of each constraint and index on the column.
Result<std::vector<std::pair<std::string, std::string>>> RehearsalIndexesAndConstraintsOn(
    backend::Session& session, const std::string& schema, const std::string& table,
    const std::string& column) {
  switch (session.backend().kind()) {
    case backend::Kind::kPostgres:
      return PostgresIndexesAndConstraintsOn(backend::PostgresConnection(session), schema, table,
                                             column);
    case backend::Kind::kMariadb:
      return MariadbIndexesAndConstraintsOn(session, schema, table, column);
  }
  return Internal("unknown backend");
}

}  // namespace

std::vector<AlteredColumn> AlteredColumns(const migration::Migration& migration,
                                          const std::vector<schema::Schema>& snapshots) {
  std::vector<AlteredColumn> out;
  if (snapshots.empty()) return out;
  const schema::Schema& base = snapshots.front();
  for (size_t i = 0; i + 1 < snapshots.size(); ++i) {
    for (const auto& table : snapshots[i + 1].tables) {
      const schema::Table* old_base = base.FindPhysicalTable(table.physical_name);
      const schema::Table* before = snapshots[i].FindPhysicalTable(table.physical_name);
      if (old_base == nullptr || before == nullptr) continue;
      for (const auto& column : table.columns) {
        const std::string& physical = column.physical_name;
        if (physical.rfind(rehearsal_internal::TemporaryPrefix(), 0) != 0) continue;
        if (before->FindPhysicalColumn(physical) != nullptr) continue;
        std::string old = physical.substr(rehearsal_internal::TemporaryPrefix().size());
        if (old_base->FindPhysicalColumn(old) == nullptr) continue;
        out.push_back({.table = table.physical_name,
                       .column = old,
                       .where = rehearsal_internal::Where(migration, i)});
      }
    }
  }
  return out;
}

Status CheckDependents(backend::Session& session, const std::string& schema,
                       const std::vector<AlteredColumn>& altered,
                       const std::vector<std::string>& ignored_schemas) {
  std::vector<std::string> problems;
  std::set<std::string> tables_seen;
  std::string first_where;
  for (const AlteredColumn& column : altered) {
    ZS_ASSIGN_OR_RETURN(auto dependents,
                        schema::ReadColumnDependents(session, schema, column.table, column.column,
                                                     ignored_schemas));
    for (const auto& dependent : dependents) {
      std::string description = dependent.description;
      if (description.rfind("rule _RETURN on ", 0) == 0) description.erase(0, 16);
      problems.push_back(fmt::format("{}: {} depends on column \"{}\" of table \"{}\": {}",
                                     column.where, description, column.column, column.table,
                                     schema::AdviceFor(dependent)));
    }
    if (tables_seen.insert(column.table).second) {
      ZS_ASSIGN_OR_RETURN(auto publications,
                          schema::PublicationsOfAllColumns(session, schema, column.table));
      for (const auto& publication : publications) {
        problems.push_back(fmt::format(
            "{}: publication \"{}\" publishes every column of table \"{}\", so the temporary "
            "column \"{}\" would be replicated and a subscriber without it stops (the slot then "
            "keeps WAL): publish the table with a column list that leaves out \"{}\" (ALTER "
            "PUBLICATION {} SET TABLE ... (columns), PostgreSQL 15+) before the migration",
            column.where, publication, column.table, ops::TemporaryColumnName(column.column),
            column.column, pg::QuoteIdent(publication)));
      }
    }
    if (first_where.empty() && !problems.empty()) first_where = column.where;
  }
  if (problems.empty()) return Status::Ok();
  return InvalidInput(fmt::format(
      "{}: refused before anything ran: the migration replaces columns that other objects "
      "depend on; complete would fail on them (or drop them) with no way back:{}",
      first_where, rehearsal_internal::Bullets(problems)));
}

Status CheckTriggerOrder(pg::Connection& conn, const std::string& schema,
                         const std::vector<std::string>& tables, const std::string& where) {
  // tgtype bits: 1 row, 2 before, 4 insert, 16 update. Names compare byte by
  // byte (COLLATE "C"), as PostgreSQL orders the triggers of one event.
  constexpr char kLaterTriggers[] = R"sql(
SELECT format('%I on %s', t.tgname, t.tgrelid::regclass)
FROM pg_trigger t
WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree(to_regclass($1))
                    UNION SELECT to_regclass($1))
  AND NOT t.tgisinternal AND t.tgenabled <> 'D'
  AND (t.tgtype & 3) = 3 AND (t.tgtype & 20) <> 0
  AND t.tgname::text COLLATE "C" > $2 COLLATE "C" AND t.tgname <> $3 AND t.tgname <> $4
ORDER BY 1)sql";
  std::vector<std::string> problems;
  for (const auto& table : tables) {
    std::string ours = triggers::TableTriggerName(schema, table);
    ZS_ASSIGN_OR_RETURN(
        pg::Rows rows,
        conn.ExecParams(kLaterTriggers, {pg::QualifiedName(schema, table), ours,
                                         triggers::OriginTriggerName(schema, table),
                                         triggers::OriginInsertTriggerName(schema, table)}));
    for (int r = 0; r < rows.size(); ++r) {
      problems.push_back(fmt::format(
          "trigger {} fires after zeroshift's {}, so `up` and `down` would not see what it "
          "writes; rename it to sort before it (ALTER TRIGGER ... RENAME TO a name starting "
          "with an ASCII letter, digit or '_')",
          rows.Get(r, 0), pg::QuoteIdent(ours)));
    }
  }
  if (problems.empty()) return Status::Ok();
  return InvalidInput(fmt::format(
      "{}: refused before anything ran: BEFORE triggers of the migrated tables fire in name "
      "order and zeroshift's dual-write trigger must be the last of them:{}",
      where, rehearsal_internal::Bullets(problems)));
}

Status CheckAddedSinceStart(backend::Session& session, const std::string& schema,
                            const migration::Migration& migration,
                            const std::vector<schema::Schema>& snapshots,
                            const std::string& previous_version_schema) {
  std::vector<AlteredColumn> altered = AlteredColumns(migration, snapshots);
  if (altered.empty()) return Status::Ok();
  const schema::Schema& base = snapshots.front();
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> ignored,
                      RehearsalVersionNamespaces(session, schema));
  // Complete drops the previous version (the baseline's views too) before the columns.
  if (!previous_version_schema.empty()) ignored.push_back(previous_version_schema);
  ZS_ASSIGN_OR_RETURN(schema::Schema live, schema::ReadSchema(session, schema));
  std::vector<std::string> lost;
  for (const AlteredColumn& column : altered) {
    const schema::Table* then = base.FindPhysicalTable(column.table);
    const schema::Table* now = live.FindPhysicalTable(column.table);
    if (then == nullptr || now == nullptr) continue;
    std::string on = fmt::format("column \"{}\" of table \"{}\"", column.column, column.table);
    ZS_ASSIGN_OR_RETURN(auto on_column, RehearsalIndexesAndConstraintsOn(
                                            session, schema, column.table, column.column));
    for (const auto& found : on_column) {
      const std::string& kind = found.first;
      const std::string& name = found.second;
      // Known when any step of the migration's plan has it (an earlier
      // operation of the migration may have created it).
      bool known = std::any_of(snapshots.begin(), snapshots.end(), [&](const schema::Schema& s) {
        const schema::Table* t = s.FindPhysicalTable(column.table);
        if (t == nullptr) return false;
        return kind == "index" ? std::any_of(t->indexes.begin(), t->indexes.end(),
                                             [&](const auto& x) { return x.name == name; })
                               : t->HasConstraint(name);
      });
      if (!known) lost.push_back(fmt::format("{} \"{}\" on {}", kind, name, on));
    }
    const schema::Column* old_then = then->FindPhysicalColumn(column.column);
    const schema::Column* old_now = now->FindPhysicalColumn(column.column);
    if (old_then != nullptr && old_now != nullptr && old_then->comment != old_now->comment) {
      lost.push_back(fmt::format(
          "the comment {} on {}",
          old_now->comment ? session.backend().QuoteLiteral(*old_now->comment) : "(none)", on));
    }
    ZS_ASSIGN_OR_RETURN(auto dependents, schema::ReadColumnDependents(session, schema, column.table,
                                                                      column.column, ignored));
    for (const auto& dependent : dependents) {
      lost.push_back(
          fmt::format("{} on {} ({})", dependent.description, on, schema::AdviceFor(dependent)));
    }
  }
  if (lost.empty()) return Status::Ok();
  return Conflict(fmt::format(
      "complete of \"{}\" refused before any change: since start, objects were added on columns "
      "this migration replaces, and dropping the old columns would lose them:{}\nCreate them "
      "again on the new version's column after complete and drop them from the old one now, "
      "then re-run `zeroshift complete`; or `zeroshift rollback`",
      migration.name, rehearsal_internal::Bullets(lost)));
}

}  // namespace zs::engine
