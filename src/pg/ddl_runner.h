// Runs lock-taking statements the safe way on PostgreSQL: each attempt under a
// short lock_timeout and a statement_timeout, retried on lock_not_available
// (55P03) and deadlock_detected (40P01) with jittered exponential backoff, a
// bounded number of times (ddl::RetryLockFailures).
#pragma once

#include <chrono>
#include <functional>
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
  int attempts_of_last_run() const { return attempts_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  Status RunOnce(const std::string& sql, const DdlOptions& options);
  // The concurrently path with before_retry_sql: clears before each retry,
  // and after the final failure.
  Status RunConcurrentlyWithCleanup(const std::string& sql, const DdlOptions& options);
  // ddl::RetryLockFailures on 55P03 and 40P01; each lock failure is
  // explained with the holders of `lock_table` (if any).
  Status RetryOnLockTimeout(const std::function<Status()>& attempt_once,
                            const std::string& lock_table, int* attempts);
  // `failure` with who holds locks on `lock_table`, after cancelling an
  // autovacuum worker among them when the policy says so.
  Status ExplainLockFailure(const Status& failure, const std::string& lock_table);
  // What was done about the autovacuum worker `holder`, for the message.
  std::string ClearAutovacuum(const LockHolder& holder);

  Connection& conn_;
  RetryPolicy policy_;
  ddl::RetryCallback on_retry_;
  int attempts_ = 0;
};

}  // namespace zs::pg
