// The MariaDB DDL runner (facts: ../shared/design/mariadb.md).
//
// Bounding a wait: lock_wait_timeout takes whole seconds only, so each
// attempt of a statement that locks a table runs as
//   SET STATEMENT max_statement_time=<lock_timeout in seconds, e.g. 0.500> FOR <statement>
// and gives up with error 1969 (or 1205) to leave the metadata-lock queue
// before the reads and writes queued behind it stall for long. Retried with
// the shared jittered backoff on 1205 (lock wait timeout), 1213 (deadlock)
// and 1969 (statement time); the final failure names the sessions holding
// the table's metadata lock (backend::MariadbSession::LockHolders).
//
// max_statement_time bounds the whole statement, not only its wait: a
// statement that does real work (an INPLACE index build, a table rebuild) is
// marked `concurrently` and bounded with lock_wait_timeout (rounded up to
// whole seconds) instead.
//
// No transactional DDL: every statement commits on its own, so a group is
// never atomic (RunEach: statements safe to repeat; RunGroup: LOCK TABLES).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "ddl/runner.h"
#include "mysql/connection.h"

namespace zs::ddl {

class MariadbRunner final : public Runner {
 public:
  // REQUIRES: session.backend().kind() == backend::Kind::kMariadb.
  MariadbRunner(backend::Session& session, RetryPolicy policy);

  // `sql` is one statement. Bounded (see above) only when options name the
  // table it locks (locked, or lock_table): CREATE DATABASE or CREATE VIEW
  // takes no exclusive table lock and runs without the bound. On a retry,
  // options.before_retry_sql runs first; same_transaction_sql runs after
  // `sql` commits (not atomically: it must be safe to repeat).
  Status Run(const std::string& sql, const Options& options = {}) override;
  // LOCK TABLES t1 WRITE, ... (itself bounded with max_statement_time, which
  // SET STATEMENT can wrap: measured on 10.11.19, error 1969 after the bound
  // with the lock kept on success), then each statement with lock_wait_timeout
  // rounded up (the group holds the table locks, so nothing should wait, and
  // max_statement_time would kill a DROP COLUMN that rebuilds), then UNLOCK
  // TABLES, which also runs after a failure.
  Status RunGroup(const std::vector<TableRef>& tables,
                  const std::vector<std::string>& statements) override;
  // RunGroup, handing `handover` over to `second` (another session of the
  // same user) across UNLOCK TABLES: `handover` makes the version's views
  // over the group's table again (CREATE OR REPLACE VIEW, which the locking
  // session may not run: error 1192). Sent to `second` once every statement
  // of the group has succeeded, each waits for the table (it checks the view
  // against it) while holding the view's exclusive metadata lock, so a client
  // that comes through the view from then on queues behind it and reads the
  // new definition; the group unlocks once the first waits in PROCESSLIST.
  // Without it such a client read the old definition in the gap before the
  // caller's own turn and failed with 1356 (a column the group had renamed).
  // A client that opened the view earlier still reads the old one. Measured
  // by hand on 10.11.19: five updates through the view queued behind the
  // handover succeeded in three runs out of three, all five failed without
  // it. `views` (the views `handover` makes again) are locked instead of
  // the tables, view first and each table through its view: a client that
  // comes through a view during the group then waits at the view before it
  // reads the definition, and reads the new one (one that read the old
  // definition and then waited for the table failed with 1356 when the
  // group renamed what it named: measured on 10.11.19, a statement keeps
  // the definition it read across its lock waits). When the views cannot be
  // locked, or a table is not reached through them, the tables are locked
  // as by RunGroup. Returns the group's status; the handover's goes to
  // `handover_failure` (Ok when the group failed and nothing was handed
  // over), and the caller runs the statements again in their turn (they are
  // safe to repeat).
  Status RunGroupWithHandover(const std::vector<TableRef>& tables,
                              const std::vector<std::string>& statements, mysql::Connection& second,
                              const std::vector<std::string>& handover,
                              const std::vector<TableRef>& views, Status* handover_failure);
  // The same, locking the tables (no views).
  Status RunGroupWithHandover(const std::vector<TableRef>& tables,
                              const std::vector<std::string>& statements, mysql::Connection& second,
                              const std::vector<std::string>& handover, Status* handover_failure) {
    return RunGroupWithHandover(tables, statements, second, handover, {}, handover_failure);
  }
  void OnRetry(RetryCallback callback) override { on_retry_ = std::move(callback); }
  int attempts_of_last_run() const override { return attempts_; }
  const RetryPolicy& policy() const override { return policy_; }

 private:
  // RetryLockFailures on 1205, 1213 and 1969, naming the holders of `tables`.
  Status Retry(const std::function<Status()>& attempt_once, const std::vector<TableRef>& tables,
               int* attempts);
  Status ExplainLockFailure(const Status& failure, const std::vector<TableRef>& tables);
  // LOCK TABLES, the statements, `before_unlock` (when set, and only when
  // every statement succeeded), UNLOCK TABLES.
  Status RunLockedGroup(const std::vector<TableRef>& tables,
                        const std::vector<std::string>& statements,
                        const std::function<void()>& before_unlock,
                        const std::vector<TableRef>& views);
  static std::string LockTablesSql(const std::vector<TableRef>& locked);
  // LOCK TABLES `views` WRITE, and a check that each of `tables` is locked
  // through them; returns the LOCK TABLES statement, or why not (nothing
  // is locked then).
  Result<std::string> LockThroughViews(const std::vector<TableRef>& tables,
                                       const std::vector<TableRef>& views);

  backend::Session& session_;
  mysql::Connection& conn_;
  RetryPolicy policy_;
  RetryCallback on_retry_;
  int attempts_ = 0;
};

// "SET STATEMENT max_statement_time=0.500 FOR <statement>"; `statement`
// unchanged when policy.lock_timeout is 0 (no bound).
std::string MariadbBoundedStatement(const RetryPolicy& policy, const std::string& statement);
// "SET STATEMENT lock_wait_timeout=1 FOR <statement>": lock_timeout rounded
// up to whole seconds; unchanged when it is 0.
std::string MariadbWaitBoundedStatement(const RetryPolicy& policy, const std::string& statement);

}  // namespace zs::ddl
