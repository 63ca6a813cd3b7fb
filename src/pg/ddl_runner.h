// Runs lock-taking statements the safe way: each attempt under a short
// lock_timeout and a statement_timeout, retried on lock_not_available (55P03)
// and deadlock_detected (40P01) with jittered exponential backoff, a bounded
// number of times.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/status.h"
#include "pg/connection.h"
#include "pg/lock_holders.h"

namespace zs::pg {

struct RetryPolicy {
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{5000};
  int max_attempts = 10;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // After a lock timeout, cancel an autovacuum worker holding a lock on the
  // statement's table (never an anti-wraparound one). PostgreSQL cancels such
  // a worker for a lock waiter itself, but only after deadlock_timeout (1 s by
  // default): longer than lock_timeout, so a waiter that gives up sooner would
  // lose to the vacuum of a big table on every attempt.
  bool cancel_autovacuum = true;
};

// The delay before retry number `attempt` (1-based): initial * 2^(attempt-1),
// capped at max_backoff, then a uniformly random point in [delay/2, delay].
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt);

struct DdlOptions {
  // CREATE INDEX CONCURRENTLY and friends: cannot run in a transaction block
  // and are exempt from statement_timeout.
  bool concurrently = false;
  // Statements to run in the same transaction after `sql` succeeds (state
  // bookkeeping), so the DDL and its record commit together.
  std::string same_transaction_sql;
  // With `concurrently`: run outside a transaction before each retry, and
  // once more after the last failed attempt, to clear what a failed attempt
  // left (the INVALID index of a CREATE INDEX CONCURRENTLY). Never after a
  // 42P07 failure: the name then belongs to an object that is not ours.
  // REQUIRES: idempotent (DROP INDEX CONCURRENTLY IF EXISTS ...).
  std::string before_retry_sql;
  // The table the statement locks, quoted and qualified ("public.users"): on
  // a lock failure the sessions holding locks on it are named in the error,
  // and an autovacuum worker among them is cancelled (RetryPolicy). "" when
  // the statement locks no user table.
  std::string lock_table;
};

class DdlRunner {
 public:
  DdlRunner(Connection& conn, RetryPolicy policy) : conn_(conn), policy_(std::move(policy)) {}

  // Runs `sql` (one or several statements, atomically unless concurrently)
  // under the policy. Returns kLockTimeout after max_attempts lock timeouts
  // or deadlocks; any other error is returned at once. With concurrently and
  // before_retry_sql, the message of a failure says whether what the failed
  // statement left was cleared or which statement clears it.
  Status Run(const std::string& sql, const DdlOptions& options = {});

  // Called before each retry with the attempt number, the delay and the error;
  // for progress output and tests.
  void OnRetry(std::function<void(int, std::chrono::milliseconds, const Status&)> callback) {
    on_retry_ = std::move(callback);
  }
  int attempts_of_last_run() const { return attempts_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  Status RunOnce(const std::string& sql, const DdlOptions& options);
  // The concurrently path with before_retry_sql: clears before each retry,
  // and after the final failure.
  Status RunConcurrentlyWithCleanup(const std::string& sql, const DdlOptions& options);
  // Calls `attempt_once` until it succeeds, fails with anything but 55P03 or
  // 40P01, or max_attempts is reached; `*attempts` counts the calls. Each
  // lock failure is explained with the holders of `lock_table` (if any).
  Status RetryOnLockTimeout(const std::function<Status()>& attempt_once,
                            const std::string& lock_table, int* attempts);
  // `failure` with who holds locks on `lock_table`, after cancelling an
  // autovacuum worker among them when the policy says so.
  Status ExplainLockFailure(const Status& failure, const std::string& lock_table);
  // What was done about the autovacuum worker `holder`, for the message.
  std::string ClearAutovacuum(const LockHolder& holder);

  Connection& conn_;
  RetryPolicy policy_;
  std::function<void(int, std::chrono::milliseconds, const Status&)> on_retry_;
  int attempts_ = 0;
};

}  // namespace zs::pg
