#include "pg/privileges.h"

#include <fmt/format.h>

namespace zs::pg {

namespace {

// pg_signal_autovacuum_worker, PostgreSQL 18's role that may signal
// autovacuum workers; before it, only a superuser may (pg_signal_backend
// covers neither superuser sessions nor processes without a role).
constexpr int kSignalAutovacuumRoleVersion = 180000;

}  // namespace

Result<std::vector<std::string>> PrivilegeNotes(Connection& conn) {
  bool signal_role = conn.ServerVersion() >= kSignalAutovacuumRoleVersion;
  ZS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(std::string("SELECT r.rolsuper, pg_catalog.pg_has_role(current_user, "
                                       "'pg_read_all_stats', 'USAGE'), ") +
                           (signal_role ? "pg_catalog.pg_has_role(current_user, "
                                          "'pg_signal_autovacuum_worker', 'USAGE')"
                                        : "false") +
                           ", pg_catalog.quote_ident(current_user)"
                           " FROM pg_catalog.pg_roles r WHERE r.rolname = current_user"));
  std::vector<std::string> notes;
  if (rows.empty() || rows.GetBool(0, 0)) return notes;
  if (!rows.GetBool(0, 1)) {
    // The backfill's throttle says the same when it finds hidden sessions
    // (backfill/throttle.h, VisibilityNote).
    std::string role = rows.Get(0, 3);
    notes.push_back(fmt::format(
        "this role sees no query, state or transaction of other roles' sessions: a lock "
        "holder's query is not named, an autovacuum worker in the way is not recognised, and "
        "the backfill is not throttled by other roles' long transactions nor by the standbys' "
        "replication lag, and it yields to other roles' sessions as if they always worked; grant "
        "it pg_read_all_stats (or pg_monitor) to see them: GRANT "
        "pg_read_all_stats TO {}",
        role));
  }
  if (!rows.GetBool(0, 2)) {
    notes.push_back(signal_role ? "cancelling an autovacuum worker that holds a table's lock "
                                  "needs pg_signal_autovacuum_worker: it is left to finish"
                                : "cancelling an autovacuum worker that holds a table's lock "
                                  "needs a superuser before PostgreSQL 18: it is left to finish");
  }
  return notes;
}

}  // namespace zs::pg
