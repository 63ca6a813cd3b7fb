// Runs lock-taking statements the safe way on PostgreSQL: each attempt under a
// short lock_timeout and a statement_timeout, retried on lock_not_available
// (55P03) and deadlock_detected (40P01) with jittered exponential backoff, a
// bounded number of times (ddl::RetryLockFailures). The first attempt waits
// policy.first_lock_timeout, each retry twice as long, never more than
// policy.lock_timeout (ddl::LockWaitFor). Before each attempt, an autovacuum
// worker holding the statement's table is cancelled (not an anti-wraparound
// one), rather than waited out: PostgreSQL itself cancels it for a lock
// waiter only after deadlock_timeout, during which every client of the table
// queues behind the waiting DDL.
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>

#include "core/status.h"
#include "ddl/policy.h"
#include "pg/connection.h"
#include "pg/lock_holders.h"

namespace zs::pg {

// The policy, the backoff and the options are shared with every backend's
// runner (ddl/policy.h); these names predate the seam.
using RetryPolicy = ddl::RetryPolicy;
using DdlOptions = ddl::Options;
using ddl::BackoffDelay;

// The PostgreSQL implementation of ddl::Runner (ddl/postgres_runner.h wraps it).
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
  void OnRetry(ddl::RetryCallback callback) { on_retry_ = std::move(callback); }
  // Called when, before asking for a lock, the runner found an autovacuum
  // worker on the table: what it did about it (cancelled it, or why not).
  void OnNotice(ddl::NoticeCallback callback) { on_notice_ = std::move(callback); }
  int attempts_of_last_run() const { return attempts_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  // Attempt number `attempt` (1-based): it bounds the lock wait.
  Status RunOnce(const std::string& sql, const DdlOptions& options, int attempt);
  // The concurrently path with before_retry_sql: clears before each retry,
  // and after the final failure.
  Status RunConcurrentlyWithCleanup(const std::string& sql, const DdlOptions& options);
  // ddl::RetryLockFailures on 55P03 and 40P01; before each attempt an
  // autovacuum worker on `lock_table` is cleared out of the way, and each
  // lock failure is explained with the holders of `lock_table` (if any).
  Status RetryOnLockTimeout(const std::function<Status(int attempt)>& attempt_once,
                            const std::string& lock_table, int* attempts);
  // `failure` with who holds locks on `lock_table`, after cancelling an
  // autovacuum worker among them when the policy says so.
  Status ExplainLockFailure(const Status& failure, const std::string& lock_table);
  // Cancels an autovacuum worker holding a lock on `lock_table` (when the
  // policy says so and it does not prevent wraparound), and tells on_notice_
  // once per worker and Run. Never fails: a worker that stays only costs the
  // bounded wait.
  void ClearAutovacuumBeforeWaiting(const std::string& lock_table);

  Connection& conn_;
  RetryPolicy policy_;
  ddl::RetryCallback on_retry_;
  ddl::NoticeCallback on_notice_;
  int attempts_ = 0;
  // The autovacuum workers this Run has already dealt with, by pid.
  std::set<int> handled_autovacuums_;
};

}  // namespace zs::pg
