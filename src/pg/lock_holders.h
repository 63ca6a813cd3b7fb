// Who holds the locks on a table: read after a lock wait timed out, to name
// the blocking sessions in the error, and to clear an autovacuum worker out of
// a DDL statement's way (ddl_runner.cc).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::pg {

struct LockHolder {
  int pid = 0;
  std::string backend_type;  // "client backend", "autovacuum worker", ...
  std::string application_name;
  std::string state;          // "active", "idle in transaction", ...
  double transaction_s = -1;  // age of its transaction; -1 when it has none
  std::string modes;          // granted modes on the table: "AccessShareLock"
  std::string query;          // its current or last statement, shortened
  // Its whole query says "(to prevent wraparound)"; read on the server,
  // where the query is not yet shortened (a long table name would cut it off).
  bool prevents_wraparound = false;

  bool IsAutovacuum() const { return backend_type == "autovacuum worker"; }
  // An anti-wraparound autovacuum must finish: PostgreSQL never cancels one
  // for a lock waiter, and neither do we.
  bool IsWraparoundAutovacuum() const;
  // An autovacuum worker that may be cancelled for a lock waiter: its query
  // is visible (a role without pg_read_all_stats sees "<insufficient
  // privilege>", and could not tell an anti-wraparound one) and it does not
  // prevent wraparound.
  bool IsCancellableAutovacuum() const;
};

// The other sessions holding a granted lock on `table` (a qualified, quoted
// name as regclass reads it), by pid. None when the table does not exist.
Result<std::vector<LockHolder>> LockHolders(Connection& conn, const std::string& table);

// "pid 4242 (psql, idle in transaction for 12 s, holds AccessShareLock: SELECT
// ...)", for at most three holders, then "and N more".
std::string DescribeLockHolders(const std::vector<LockHolder>& holders);

}  // namespace zs::pg
