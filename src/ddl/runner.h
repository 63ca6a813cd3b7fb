// The DDL runner: how a lock-taking statement's wait is bounded and retried,
// and how a group of statements is kept together, on each backend.
//
//   PostgreSQL (postgres_runner.h, over pg/ddl_runner): each attempt in one
//   transaction under SET LOCAL lock_timeout; a group is one transaction, so
//   it is atomic.
//   MariaDB (mariadb_runner.h): each attempt under SET STATEMENT
//   max_statement_time=<lock_timeout> FOR <statement>; DDL commits
//   implicitly, so a group cannot be atomic: it runs under LOCK TABLES, so at
//   least no write slips between its statements.
//
// Both retry lock timeouts and deadlocks with the shared jittered backoff
// (ddl/policy.h) and name the sessions holding the lock when they give up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "ddl/policy.h"

namespace zs::ddl {

class Runner {
 public:
  virtual ~Runner() = default;

  // Runs one step, `sql`, under the policy: kLockTimeout after
  // policy().max_attempts lock timeouts or deadlocks, naming who holds the
  // lock of options.locked / options.lock_table; any other error at once.
  // PostgreSQL: `sql` may be several statements, run atomically (unless
  // concurrently) with options.same_transaction_sql. MariaDB: one statement
  // (one per call to the server); same_transaction_sql runs after it commits.
  // REQUIRES: the connection is idle (not in a transaction).
  virtual Status Run(const std::string& sql, const Options& options = {}) = 0;

  // Runs `statements` one by one, each a step of its own under the policy
  // (bounded and retried), stopping at the first failure; its message says
  // how many took effect. REQUIRES: each is safe to repeat (IF [NOT] EXISTS,
  // CREATE OR REPLACE): a failure part-way leaves the earlier ones done on
  // every backend, and the caller's next try runs them again.
  Status RunEach(const std::vector<std::string>& statements, const Options& options = {});

  // Runs `statements` with no write to `tables` slipping between them (the
  // contract phase: drop the dual-write triggers, then the old columns).
  // PostgreSQL: one transaction, atomic; the first of `tables` names the lock
  // holders. MariaDB: LOCK TABLES <tables> WRITE (bounded and retried as a
  // step), the statements, UNLOCK TABLES, which runs whatever happens; not
  // atomic: after a failure the statements before it stay done, and under
  // the lock only `tables` can be used.
  virtual Status RunGroup(const std::vector<TableRef>& tables,
                          const std::vector<std::string>& statements) = 0;

  virtual void OnRetry(RetryCallback callback) = 0;
  // What the runner did on its own about another session in a statement's
  // way (PostgreSQL: an autovacuum worker it cancelled before asking for the
  // lock, or could not). MariaDB has no such session: never called there.
  virtual void OnNotice(NoticeCallback) {}
  // Of the last Run or RunGroup (RunEach: of its last statement).
  virtual int attempts_of_last_run() const = 0;
  virtual const RetryPolicy& policy() const = 0;
};

// The runner for `session`'s backend; it keeps a reference to `session`.
std::unique_ptr<Runner> MakeRunner(backend::Session& session, RetryPolicy policy);

}  // namespace zs::ddl
