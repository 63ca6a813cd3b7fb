#include "engine/ownership_mariadb.h"

#include <fmt/format.h>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {

namespace {

constexpr const char* kMariadbOwnedPrefix = "_zs_";
constexpr const char* kMariadbTriggerBodyMarker = "zs_dual_write:";

// ("exists", "is zeroshift's") of `ref`.
Result<std::pair<bool, bool>> MariadbObjectState(mysql::Connection& conn, const ObjectRef& ref) {
  std::string db = mysql::QuoteLiteral(ref.schema);
  if (ref.kind == kObjTrigger) {
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn.Exec(fmt::format("SELECT LEFT(ACTION_STATEMENT, {}) = {} FROM "
                              "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {} AND "
                              "TRIGGER_NAME = {}",
                              std::string_view(kMariadbTriggerBodyMarker).size(),
                              mysql::QuoteLiteral(kMariadbTriggerBodyMarker), db,
                              mysql::QuoteLiteral(ref.name))));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true,
                          ref.name.starts_with(kMariadbOwnedPrefix) && rows.GetInt(0, 0) == 1);
  }
  if (ref.kind == kObjSchema) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                        conn.Exec("SELECT COALESCE(SCHEMA_COMMENT, '') FROM "
                                  "information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                                  mysql::QuoteLiteral(ref.name)));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true, rows.Get(0, 0).starts_with(versions::kMariadbVersionCommentPrefix));
  }
  if (ref.kind == kObjColumn) {
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn.Exec(fmt::format("SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} "
                              "AND TABLE_NAME = {} AND COLUMN_NAME = {}",
                              db, mysql::QuoteLiteral(ref.table), mysql::QuoteLiteral(ref.name))));
    if (rows.empty()) return std::make_pair(false, false);
    return std::make_pair(true, ref.name.starts_with(kMariadbOwnedPrefix));
  }
  return InvalidInput(
      fmt::format("{}: MariaDB ownership is known for triggers, columns and "
                  "version databases only",
                  ref.Describe()));
}

std::string MariadbForeignAdvice(const ObjectRef& ref) {
  if (ref.kind == kObjTrigger) {
    return fmt::format(
        "trigger {} on {}.{} exists and is not zeroshift's (its body does not "
        "start with `{}`); rename or drop it, since start would replace it",
        mysql::QuoteIdentifier(ref.name), mysql::QuoteIdentifier(ref.schema),
        mysql::QuoteIdentifier(ref.table), kMariadbTriggerBodyMarker);
  }
  if (ref.kind == kObjSchema) {
    return fmt::format(
        "database {} exists and is not a zeroshift version (no zeroshift "
        "comment); set the migration's `version_schema` to another name, or drop "
        "that database",
        mysql::QuoteIdentifier(ref.name));
  }
  return fmt::format(
      "column {} of {}.{} exists before start, so it is not zeroshift's; rename "
      "it (names starting with `{}` are zeroshift's), since complete or rollback "
      "would drop it",
      mysql::QuoteIdentifier(ref.name), mysql::QuoteIdentifier(ref.schema),
      mysql::QuoteIdentifier(ref.table), kMariadbOwnedPrefix);
}

}  // namespace

Result<bool> MariadbOwnsObject(backend::Session& session, const ObjectRef& ref) {
  ZS_ASSIGN_OR_RETURN(auto state, MariadbObjectState(backend::MariadbConnection(session), ref));
  return state.first && state.second;
}

Status MariadbRefuseForeignObjects(backend::Session& session,
                                   const std::vector<ObjectRef>& will_create) {
  mysql::Connection& conn = backend::MariadbConnection(session);
  std::string problems;
  for (const ObjectRef& ref : will_create) {
    ZS_ASSIGN_OR_RETURN(auto state, MariadbObjectState(conn, ref));
    bool exists = state.first, ours = state.second;
    // A column zeroshift is about to add is nobody's yet: any column of that
    // name is foreign (a resumed start finds it recorded in its state row).
    if (ref.kind == kObjColumn) ours = false;
    if (exists && !ours) problems += "\n  - " + MariadbForeignAdvice(ref);
  }
  if (problems.empty()) return Status::Ok();
  return Conflict(
      "refused before anything ran: objects that start would create already exist "
      "and zeroshift did not create them:" +
      problems);
}

}  // namespace zs::engine
