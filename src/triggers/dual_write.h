// Dual-write triggers: row triggers that keep the old and the new shape of a
// table in step while both versions are in use. The specs (trigger_spec.h)
// are the same on every database; the SQL that installs and removes them is
// the backend's, behind DualWriteSql:
//   - PostgreSQL (postgres_dual_write.h): one PL/pgSQL function per table,
//     called by two BEFORE INSERT OR UPDATE triggers, one per set of
//     replication roles (postgres_dual_write_origin.h); the version is read
//     from search_path or the zeroshift.version setting.
//   - MariaDB (mariadb_dual_write.h): a BEFORE INSERT and a BEFORE UPDATE
//     trigger per table; the version is read from @zeroshift_version, with a
//     guard for a new-version client that forgot to set it.
// Every implementation only builds SQL text; the engine runs it.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"
#include "ops/action.h"
#include "triggers/trigger_spec.h"

// Code written before the seam calls PostgreSQL's free functions
// (CreateTableTriggerSql, TableTriggerName, ...) directly; they stay
// reachable through this header until those callers go through DualWriteFor.
#include "triggers/postgres_dual_write.h"

namespace zs::triggers {

// The user's own BEFORE triggers on a table, each list in firing order.
// MariaDB orders zeroshift's triggers after them with FOLLOWS (read them with
// MariadbUserTriggersSql); PostgreSQL orders by name and ignores this.
struct UserTriggers {
  std::vector<std::string> before_insert;
  std::vector<std::string> before_update;
};

class DualWriteSql {
 public:
  virtual ~DualWriteSql() = default;

  // The names of the triggers zeroshift puts on `table` (PostgreSQL: one,
  // MariaDB: the INSERT one, then the UPDATE one).
  virtual std::vector<std::string> TriggerNames(const std::string& schema,
                                                const std::string& table) const = 0;

  // What installs the dual write of one table: the marker column
  // (MarkerColumnName) and the trigger(s) running `specs`, all of one table,
  // in operation order; the user's BEFORE triggers run first. In the order
  // to run. Empty for no specs.
  virtual std::vector<ops::Action> InstallActions(const std::vector<TriggerSpec>& specs,
                                                  const UserTriggers& user_triggers) const = 0;

  // What removes the table's triggers and its marker column, safe to run
  // again; one Action's SQL per element, in order (PostgreSQL: one element
  // of several statements, run in the transaction of the table's finalize
  // actions).
  virtual std::vector<std::string> DropSql(const std::string& schema,
                                           const std::string& table) const = 0;
  // The database's own words for the lock DropSql's statements take
  // (Action::lock_text); "" where ops::LockName says it (PostgreSQL).
  virtual std::string DropLockText() const { return ""; }

  // The SQL boolean expression that is true when the current session writes
  // as `version_schema`'s client.
  virtual std::string IsVersionCondition(const std::string& version_schema) const = 0;
};

// The implementation for `backend` (the only place that looks at its kind).
const DualWriteSql& DualWriteFor(const backend::Backend& backend);

}  // namespace zs::triggers
