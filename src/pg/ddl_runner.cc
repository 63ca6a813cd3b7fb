#include "pg/ddl_runner.h"

#include <fmt/format.h>

#include "pg/errors.h"
#include "pg/quote.h"
#include "pg/session.h"

namespace zs::pg {

namespace {

// Failures where nothing but the lock wait went wrong: trying again later may succeed.
bool IsLockFailure(const Status& status) { return backend::IsLockFailure(ClassifyError(status)); }

// The table whose lock holders a failure names: quoted and qualified.
std::string PgLockTableOf(const DdlOptions& options) {
  if (!options.lock_table.empty() || options.locked.empty()) return options.lock_table;
  return QualifiedName(options.locked.schema, options.locked.name);
}

// The value of a setting as SHOW prints it ("0", "5s"), so it can be SET back.
Result<std::string> Show(Connection& conn, const std::string& setting) {
  ZS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SHOW " + setting));
  if (rows.empty()) return Internal("SHOW " + setting + " returned no row");
  return rows.Get(0, 0);
}

// REQUIRES: the connection is idle (not in a transaction).
// Runs `sql` and `then_sql` in one transaction with SET LOCAL timeouts (a
// lock wait of `lock_wait`), so the timeouts end with it. Statements are
// newline-separated so that a trailing "-- comment" in `sql` cannot swallow
// the COMMIT.
Status RunInTransaction(Connection& conn, const RetryPolicy& policy,
                        std::chrono::milliseconds lock_wait, const std::string& sql,
                        const std::string& then_sql) {
  std::string script =
      "BEGIN;\nSET LOCAL lock_timeout = " + MillisecondsLiteral(lock_wait) +
      ";\nSET LOCAL statement_timeout = " + MillisecondsLiteral(policy.statement_timeout) + ";\n" +
      sql + "\n;\n" + then_sql + "\n;\nCOMMIT";
  Status status = conn.Run(script);
  // An error inside the script leaves the transaction open and aborted.
  if (!status.ok() && conn.InTransaction()) (void)conn.Run("ROLLBACK");
  return status;
}

// REQUIRES: the connection is idle.
// Statements such as CREATE INDEX CONCURRENTLY cannot run in a transaction
// block, so the timeouts are set for the session and put back afterwards.
// statement_timeout is lifted: such statements scan whole tables by design.
Status RunConcurrently(Connection& conn, const RetryPolicy& policy, const std::string& sql) {
  ZS_ASSIGN_OR_RETURN(std::string old_lock_timeout, Show(conn, "lock_timeout"));
  ZS_ASSIGN_OR_RETURN(std::string old_statement_timeout, Show(conn, "statement_timeout"));
  Status status = conn.SetLockTimeout(policy.lock_timeout);
  if (status.ok()) status = conn.SetStatementTimeout(std::chrono::milliseconds(0));
  if (status.ok()) status = conn.Run(sql);
  Status restore = conn.Run("SET lock_timeout = " + QuoteLiteral(old_lock_timeout) +
                            "; SET statement_timeout = " + QuoteLiteral(old_statement_timeout));
  if (!status.ok()) return status;
  return restore.WithContext("restoring session timeouts");
}

// `failure` with what the clean-up after it did.
Status WithCleanup(const Status& failure, const Status& cleanup, const std::string& cleanup_sql) {
  std::string message =
      cleanup.ok()
          ? failure.message() + "; what the failed statement left was cleared with `" +
                cleanup_sql + "`"
          : failure.message() + "; clearing what it left failed too (" + cleanup.message() +
                "): run `" + cleanup_sql + "` once the session holding the lock has ended";
  return Status(failure.code(), std::move(message), failure.sqlstate());
}

// What was done about `holder`, an autovacuum worker in a statement's way.
std::string PgClearAutovacuum(Connection& conn, const RetryPolicy& policy,
                              const LockHolder& holder) {
  if (holder.IsWraparoundAutovacuum()) {
    return fmt::format(
        "autovacuum pid {} prevents transaction ID wraparound and must finish: waiting for it",
        holder.pid);
  }
  if (!policy.cancel_autovacuum) {
    return fmt::format("autovacuum pid {} left running (--no-cancel-autovacuum)", holder.pid);
  }
  if (!holder.IsCancellableAutovacuum()) {
    return fmt::format(
        "autovacuum pid {} left running: its query is hidden from this role, so it may be an "
        "anti-wraparound one (grant pg_read_all_stats to let zeroshift tell)",
        holder.pid);
  }
  Result<Rows> cancelled =
      conn.ExecParams("SELECT pg_cancel_backend($1)", {std::to_string(holder.pid)});
  if (!cancelled.ok()) {
    // Not a reason to fail: the lock wait stays bounded, as without the cancel.
    return fmt::format(
        "could not cancel autovacuum pid {} ({}); this role may not signal it (before PostgreSQL "
        "18 only a superuser may, in every minor release since the CVE-2023-5870 fix; 18: grant "
        "pg_signal_autovacuum_worker): waiting for it within lock_timeout instead",
        holder.pid, cancelled.status().message());
  }
  if (cancelled->size() == 1 && cancelled->Get(0, 0) != "t") {
    return fmt::format("autovacuum pid {} had already ended", holder.pid);
  }
  return fmt::format(
      "cancelled autovacuum pid {}, as PostgreSQL does for a lock waiter after "
      "deadlock_timeout; it vacuums the table again later",
      holder.pid);
}

}  // namespace

Status DdlRunner::RunOnce(const std::string& sql, const DdlOptions& options, int attempt) {
  // A SHARE UPDATE EXCLUSIVE request blocks no client, so nothing queues
  // behind a concurrent statement's wait: it keeps the whole lock_timeout
  // (and each retry would leave an INVALID index to clear).
  if (options.concurrently) return RunConcurrently(conn_, policy_, sql);
  return RunInTransaction(conn_, policy_, ddl::LockWaitFor(policy_, attempt), sql,
                          options.same_transaction_sql);
}

Status DdlRunner::Run(const std::string& sql, const DdlOptions& options) {
  attempts_ = 0;
  handled_autovacuums_.clear();
  if (conn_.InTransaction()) {
    return Internal(
        "DdlRunner::Run needs an idle connection, but it is inside a transaction; commit or roll "
        "back first (the retry loop owns the transaction)");
  }
  // The statements may be the user's (`sql` operations): whatever session
  // state they leave (SET session_replication_role, SET ROLE, a search_path)
  // must not reach the statements zeroshift runs next on this connection.
  ZS_ASSIGN_OR_RETURN(SessionPins pins, ReadSessionPins(conn_));
  Status status = [&]() -> Status {
    if (options.concurrently && !options.before_retry_sql.empty()) {
      ZS_RETURN_IF_ERROR(RunConcurrentlyWithCleanup(sql, options));
    } else {
      ZS_RETURN_IF_ERROR(
          RetryOnLockTimeout([&](int attempt) { return RunOnce(sql, options, attempt); },
                             PgLockTableOf(options), &attempts_));
    }
    if (!options.concurrently || options.same_transaction_sql.empty()) return Status::Ok();
    // A concurrent statement cannot share a transaction, so its bookkeeping
    // commits right after it (and must be idempotent, should this step fail).
    int bookkeeping_attempts = 0;
    return RetryOnLockTimeout(
        [&](int attempt) {
          return RunInTransaction(conn_, policy_, ddl::LockWaitFor(policy_, attempt),
                                  options.same_transaction_sql, "");
        },
        "", &bookkeeping_attempts);
  }();
  if (conn_.InTransaction()) return status;
  Status restored = RestoreSession(conn_, pins);
  return status.ok() ? restored : status;
}

Status DdlRunner::RunConcurrentlyWithCleanup(const std::string& sql, const DdlOptions& options) {
  const std::string& clear_sql = options.before_retry_sql;
  bool first = true;
  Status status = RetryOnLockTimeout(
      [&](int) -> Status {
        if (!first) {
          // A lock timeout here counts as a failed attempt: the next one clears again.
          Status cleared = RunConcurrently(conn_, policy_, clear_sql);
          if (!cleared.ok()) return cleared.WithContext("before retrying, `" + clear_sql + "`");
        }
        first = false;
        return RunConcurrently(conn_, policy_, sql);
      },
      PgLockTableOf(options), &attempts_);
  // An index of that name already exists: it is not ours to clear.
  if (status.ok() || ClassifyError(status) == backend::ErrorClass::kDuplicateObject) {
    return status;
  }
  return WithCleanup(status, RunConcurrently(conn_, policy_, clear_sql), clear_sql);
}

Status DdlRunner::RetryOnLockTimeout(const std::function<Status(int attempt)>& attempt_once,
                                     const std::string& lock_table, int* attempts) {
  return ddl::RetryLockFailures(
      policy_,
      [&](int attempt) {
        ClearAutovacuumBeforeWaiting(lock_table);
        return attempt_once(attempt);
      },
      {.is_lock_failure = IsLockFailure,
       .explain = [&](const Status& failure) { return ExplainLockFailure(failure, lock_table); }},
      on_retry_, attempts);
}

Status DdlRunner::ExplainLockFailure(const Status& failure, const std::string& lock_table) {
  if (lock_table.empty() || conn_.InTransaction()) return failure;
  Result<std::vector<LockHolder>> holders = LockHolders(conn_, lock_table);
  // The explanation is a courtesy: without it the failure still says what failed.
  if (!holders.ok() || holders->empty()) return failure;
  std::string message =
      failure.message() + "; " + lock_table + " is locked by " + DescribeLockHolders(*holders);
  for (const LockHolder& holder : *holders) {
    if (holder.IsAutovacuum()) message += "; " + PgClearAutovacuum(conn_, policy_, holder);
  }
  return Status(failure.code(), std::move(message), failure.sqlstate());
}

void DdlRunner::ClearAutovacuumBeforeWaiting(const std::string& lock_table) {
  if (lock_table.empty() || !policy_.cancel_autovacuum || conn_.InTransaction()) return;
  Result<std::vector<LockHolder>> holders = LockHolders(conn_, lock_table);
  // A courtesy, like the explanation of a failure: the wait stays bounded without it.
  if (!holders.ok()) return;
  for (const LockHolder& holder : *holders) {
    if (!holder.IsAutovacuum() || !handled_autovacuums_.insert(holder.pid).second) continue;
    std::string done = PgClearAutovacuum(conn_, policy_, holder);
    if (on_notice_) {
      on_notice_("before asking for its lock, " + lock_table + " is locked by " +
                 DescribeLockHolders({holder}) + "; " + done);
    }
  }
}

}  // namespace zs::pg
