// Internal to `zeroshift doctor` (doctor.cc, doctor_find.cc,
// doctor_active.cc): what Diagnose gathers once and the checks that read it.
#pragma once

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "core/status.h"
#include "doctor/doctor.h"
#include "ops/action.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "state/state_store.h"

namespace zs::doctor::detail {

inline constexpr size_t kMaxIdentifierBytes = 63;

// True when `catalog` is the name PostgreSQL stored for `generated`: equal,
// or `generated` was longer than 63 bytes and silently truncated (at a
// character boundary, so possibly a few bytes short of 63).
inline bool SameIdentifier(const std::string& catalog, const std::string& generated) {
  if (catalog == generated) return true;
  return generated.size() > kMaxIdentifierBytes && catalog.size() + 4 > kMaxIdentifierBytes &&
         generated.compare(0, catalog.size(), catalog) == 0;
}

// `sql` names the identifier `name` (quoted), allowing for truncation.
inline bool SqlNames(const std::string& sql, const std::string& name) {
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
inline std::string Recorded(bool tracked, const char* kind, const std::string& oid,
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
    return detail::Recorded(tracked, kind, oid, attnum, name);
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

// The schema's active migration, its actions rebuilt as the engine does on
// `backend` (their SQL is that database's); nullopt when none is active
// (doctor_active.cc).
Result<std::optional<ActiveMigration>> LoadActive(
    state::StateStore& state, const std::string& schema,
    const backend::Backend& backend = backend::Postgres());

// Each adds the findings of one kind to ctx.report (doctor_find.cc), in the
// order Fix runs them.
Status FindVersionSchemas(Context& ctx);
Status FindTriggers(Context& ctx);
Status FindOrphanFunctions(Context& ctx);
Status FindConstraints(Context& ctx);
Status FindTemporaryColumns(Context& ctx);
Status FindIndexes(Context& ctx);
Status FindBackfillRows(Context& ctx);
// The active migration itself: stopped part-way, or its objects missing
// (doctor_active.cc).
Status CheckActive(Context& ctx);

}  // namespace zs::doctor::detail
