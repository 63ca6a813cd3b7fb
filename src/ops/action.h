// What an operation asks the engine to run. Operations never run SQL
// themselves, so a plan is printable and testable as text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace zs::ops {

// Table lock levels, weakest first (PostgreSQL's explicit-locking table).
enum class Lock {
  kNone,
  kAccessShare,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
};

std::string_view LockName(Lock lock);  // "ACCESS EXCLUSIVE", ...

// When during `complete` an action runs (start and rollback actions run in the
// order returned).
enum class CompletePhase {
  // Long work that must not hold ACCESS EXCLUSIVE: VALIDATE CONSTRAINT.
  // Runs before the previous version schema is dropped.
  kPrepare,
  // Brief ACCESS EXCLUSIVE changes to a table. All of one table's finalize
  // actions run in ONE transaction together with the removal of that
  // table's dual-write triggers, so no write slips between the two.
  kFinalize,
  // Renames of tables and columns to their new names, last, so every earlier
  // action can use the names the table had at start.
  kRename,
};

struct Action {
  std::string id;   // stable, e.g. "add_column:users.first_name:add"
  std::string sql;  // one statement, or several that must commit together
  Lock lock = Lock::kAccessExclusive;
  std::string table;          // physical table the lock is taken on; "" when none
  bool transactional = true;  // false: CONCURRENTLY, runs outside a transaction block
  // For non-transactional actions: run (outside a transaction) before each
  // retry, to clear what a failed attempt left behind, e.g. DROP INDEX
  // CONCURRENTLY IF EXISTS of the INVALID index a failed CREATE INDEX
  // CONCURRENTLY leaves.
  std::string before_retry_sql;
  CompletePhase phase = CompletePhase::kFinalize;  // meaningful for complete actions only
  // Start actions only: run once the dual-write triggers exist. A NOT NULL
  // check on a column the trigger fills would, before it, refuse every write
  // of the old clients.
  bool after_triggers = false;
  // The database's own words for the lock, printed instead of LockName(lock)
  // (MariaDB: "metadata lock (exclusive, brief)"); "" for PostgreSQL, whose
  // lock modes `lock` names.
  std::string lock_text;
};

// How a statement holds its table on MariaDB, which has metadata locks, not
// PostgreSQL's lock modes: it decides the lock text `zeroshift plan` prints.
// Here, not in ops/mariadb_sql.h, so that the dual write and the version's
// views (layers below ops) say MariaDB's words too.
enum class MariadbLock {
  kBrief,    // ALGORITHM=INSTANT, a new or dropped table, a trigger: exclusive, briefly
  kOnline,   // ALGORITHM=INPLACE, LOCK=NONE: brief exclusive metadata lock at both ends
  kReads,    // a query, or a view over the table: shared metadata lock, reads rows only
  kUnknown,  // user SQL
};

// "metadata lock (exclusive, brief)", ...: what `zeroshift plan` prints.
std::string MariadbLockText(MariadbLock lock);

// One MariaDB statement on `table` (its physical name; "" when none), with
// MariaDB's words for its lock. DDL commits implicitly on MariaDB, so no
// action is transactional.
Action MariadbAction(std::string id, std::string sql, const std::string& table, MariadbLock lock,
                     CompletePhase phase = CompletePhase::kFinalize);

// What a plan says of `action`'s lock: its lock_text (the database's own
// words) when set, else LockName(action.lock).
std::string LockText(const Action& action);

// Rows to touch after the triggers exist, so that `up` fills the new columns
// of every row written before the migration started.
struct BackfillTask {
  std::string table;         // physical table name
  std::string touch_column;  // physical column the batch UPDATE sets to itself (fires the trigger)
  std::string reason;        // "add_column users.first_name", for progress output
};

// Renders actions as the plan text printed by `zeroshift plan` and compared by
// golden tests:  "-- <id>  [lock <LOCK> on <table>]" then the SQL.
std::string FormatActions(const std::vector<Action>& actions);

}  // namespace zs::ops
