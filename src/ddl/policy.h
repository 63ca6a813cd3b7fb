// What every DDL runner shares, whatever the database: the retry policy of a
// lock-bounded statement, its jittered backoff, the options of one step, and
// the retry loop itself. The runners (ddl/runner.h) differ only in how they
// bound one attempt and make a group atomic.
//
// Its own layer (ddl_policy) below pg/ and mysql/, so that the PostgreSQL
// runner in pg/ddl_runner, which predates the seam, shares it too.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/status.h"

namespace zs::ddl {

struct RetryPolicy {
  // The bound on one attempt's lock wait (PostgreSQL: SET LOCAL lock_timeout;
  // MariaDB: SET STATEMENT max_statement_time ... FOR). 0: no bound.
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{5000};
  int max_attempts = 10;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // After a lock timeout, cancel an autovacuum worker holding a lock on the
  // statement's table (never an anti-wraparound one). PostgreSQL cancels such
  // a worker for a lock waiter itself, but only after deadlock_timeout (1 s by
  // default): longer than lock_timeout, so a waiter that gives up sooner would
  // lose to the vacuum of a big table on every attempt. MariaDB has no
  // autovacuum: ignored there.
  bool cancel_autovacuum = true;
  // PostgreSQL: the first attempt's lock wait; each retry doubles it, up to
  // lock_timeout, which stays the bound of every attempt (so of the whole
  // step: lock_timeout * max_attempts). Every client query on the table
  // queues behind a waiting ACCESS EXCLUSIVE request for as long as it waits:
  // a short first wait keeps that stall short when the table frees up soon,
  // and only a table that stays busy earns longer waits. 0, or not below
  // lock_timeout: every attempt waits lock_timeout. MariaDB ignores it:
  // max_statement_time bounds the whole statement there, and a short bound
  // would kill the statement's work, not only its wait.
  std::chrono::milliseconds first_lock_timeout{20};
};

// The lock wait of attempt number `attempt` (1-based) under `policy`:
// first_lock_timeout * 2^(attempt-1), capped at lock_timeout. 0 (no bound)
// when lock_timeout is 0.
std::chrono::milliseconds LockWaitFor(const RetryPolicy& policy, int attempt);

// The delay before retry number `attempt` (1-based): initial * 2^(attempt-1),
// capped at max_backoff, then a uniformly random point in [delay/2, delay].
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt);

// A table by its parts, unquoted: each runner quotes it its own way. On
// MariaDB `schema` is the database.
struct TableRef {
  std::string schema;
  std::string name;
  bool empty() const { return name.empty(); }
};

// One step's options. The field order is part of the interface: callers use
// designated initializers.
struct Options {
  // PostgreSQL: CREATE INDEX CONCURRENTLY and friends: cannot run in a
  // transaction block and are exempt from statement_timeout. MariaDB: a long
  // online statement (ALGORITHM=INPLACE): its lock wait is bounded with
  // lock_wait_timeout (whole seconds) instead of max_statement_time, which
  // would kill the work itself.
  bool concurrently = false;
  // Statements to run in the same transaction after `sql` succeeds (state
  // bookkeeping), so the DDL and its record commit together. MariaDB (no
  // transactional DDL) and PostgreSQL with `concurrently`: run right after
  // `sql` commits, so they must be safe to repeat.
  std::string same_transaction_sql;
  // With `concurrently` (on MariaDB always): run before each retry, and (on
  // PostgreSQL) once more after the last failed attempt, to clear what a
  // failed attempt left (the INVALID index of a CREATE INDEX CONCURRENTLY).
  // On PostgreSQL never after a 42P07 failure: the name then belongs to an
  // object that is not ours. REQUIRES: idempotent (DROP INDEX CONCURRENTLY IF
  // EXISTS ...).
  std::string before_retry_sql;
  // PostgreSQL: the table the statement locks, quoted and qualified
  // ("public.users"): on a lock failure the sessions holding locks on it are
  // named in the error, and an autovacuum worker among them is cancelled
  // (RetryPolicy). "" when the statement locks no user table, or when
  // `locked` says it.
  std::string lock_table;
  // The table the statement locks, for every backend: its lock holders are
  // named on a lock failure. MariaDB bounds a statement's wait only when it
  // names a table here or in lock_table: one that locks none (CREATE
  // DATABASE, CREATE VIEW) runs without the bound.
  TableRef locked;
};

// Called before each retry with the attempt number, the delay and the error;
// for progress output and tests.
using RetryCallback =
    std::function<void(int attempt, std::chrono::milliseconds delay, const Status& error)>;

// Called with what a runner did on its own about another session (it
// cancelled an autovacuum worker in a statement's way, or could not); for
// the progress output.
using NoticeCallback = std::function<void(const std::string& notice)>;

// How a runner tells its backend's lock failures and explains them.
struct LockFailureHandling {
  // Nothing but the lock wait went wrong: trying again later may succeed.
  std::function<bool(const Status&)> is_lock_failure;
  // The failure with who holds the lock; for each failed attempt.
  std::function<Status(const Status&)> explain;
};

// Calls `attempt_once` until it succeeds, fails with anything but a lock
// failure, or policy.max_attempts is reached (then kLockTimeout, which keeps
// the last failure's SQLSTATE); sleeps BackoffDelay between attempts, calling
// `on_retry` first. `*attempts` counts the calls.
Status RetryLockFailures(const RetryPolicy& policy, const std::function<Status()>& attempt_once,
                         const LockFailureHandling& handling, const RetryCallback& on_retry,
                         int* attempts);
// The same, passing each call its attempt number (1-based), so that it can
// bound its wait with LockWaitFor.
Status RetryLockFailures(const RetryPolicy& policy,
                         const std::function<Status(int attempt)>& attempt_once,
                         const LockFailureHandling& handling, const RetryCallback& on_retry,
                         int* attempts);

}  // namespace zs::ddl
