#include "ddl/mariadb_runner.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "backend/mariadb_backend.h"

namespace zs::ddl {

namespace {

// How mysql::Connection ends a server error's message; mysql::ErrorNumber
// reads the number from there, so details go before it.
constexpr std::string_view kMariadbErrorSuffix = " (MariaDB error ";

// Where the " (MariaDB error N)" of `message` starts, or npos.
size_t MariadbErrorSuffixAt(const std::string& message) {
  size_t at = message.rfind(kMariadbErrorSuffix);
  if (at == std::string::npos || message.find(')', at) == std::string::npos) {
    return std::string::npos;
  }
  return at;
}

// `failure` with "; <detail>" added, its error number still last.
Status MariadbWithDetail(const Status& failure, const std::string& detail) {
  std::string message = failure.message();
  size_t at = MariadbErrorSuffixAt(message);
  if (at == std::string::npos || message.back() != ')') {
    message += "; " + detail;
  } else {
    message.insert(at, "; " + detail);
  }
  return Status(failure.code(), std::move(message), failure.sqlstate());
}

// `status` with the error number of the failure it quotes moved to the end
// (the give-up message wraps the last failure), so that mysql::ErrorNumber
// and Classify still see it.
Status MariadbErrorNumberLast(const Status& status) {
  const std::string& message = status.message();
  size_t at = MariadbErrorSuffixAt(message);
  if (at == std::string::npos || message.back() == ')') return status;
  size_t end = message.find(')', at) + 1;
  std::string suffix = message.substr(at, end - at);
  std::string moved = message.substr(0, at) + message.substr(end) + suffix;
  return Status(status.code(), std::move(moved), status.sqlstate());
}

// Nothing but the lock wait went wrong: 1205, 1213, or 1969 (our bound).
bool MariadbIsLockFailure(const Status& status) {
  return backend::IsLockFailure(backend::Mariadb().Classify(status)) ||
         mysql::ErrorNumber(status) == mysql::errors::kStatementTimeout;
}

std::string MariadbTableName(const TableRef& table) {
  if (table.schema.empty()) return mysql::QuoteIdentifier(table.name);
  return mysql::QuoteIdentifier(table.schema) + "." + mysql::QuoteIdentifier(table.name);
}

// Holds LOCK TABLES until Release() or destruction, which runs UNLOCK TABLES:
// an early return cannot leave the tables locked.
class MariadbTableLock {
 public:
  explicit MariadbTableLock(mysql::Connection& conn) : conn_(&conn) {}
  MariadbTableLock(const MariadbTableLock&) = delete;
  MariadbTableLock& operator=(const MariadbTableLock&) = delete;
  ~MariadbTableLock() {
    if (conn_ != nullptr) (void)conn_->Run("UNLOCK TABLES");
  }

  Status Release() {
    mysql::Connection* conn = std::exchange(conn_, nullptr);
    return conn == nullptr ? Status::Ok() : conn->Run("UNLOCK TABLES");
  }

 private:
  mysql::Connection* conn_;
};

}  // namespace

std::string MariadbBoundedStatement(const RetryPolicy& policy, const std::string& statement) {
  const long long ms = policy.lock_timeout.count();
  if (ms <= 0) return statement;
  return fmt::format("SET STATEMENT max_statement_time={}.{:03} FOR {}", ms / 1000, ms % 1000,
                     statement);
}

std::string MariadbWaitBoundedStatement(const RetryPolicy& policy, const std::string& statement) {
  const long long ms = policy.lock_timeout.count();
  if (ms <= 0) return statement;
  return fmt::format("SET STATEMENT lock_wait_timeout={} FOR {}", (ms + 999) / 1000, statement);
}

MariadbRunner::MariadbRunner(backend::Session& session, RetryPolicy policy)
    : session_(session), conn_(backend::MariadbConnection(session)), policy_(std::move(policy)) {}

Status MariadbRunner::Run(const std::string& sql, const Options& options) {
  attempts_ = 0;
  std::vector<TableRef> tables;
  if (!options.locked.empty()) tables.push_back(options.locked);
  const bool locks_a_table = !tables.empty() || !options.lock_table.empty();
  const std::string statement = !locks_a_table         ? sql
                                : options.concurrently ? MariadbWaitBoundedStatement(policy_, sql)
                                                       : MariadbBoundedStatement(policy_, sql);
  bool first = true;
  Status status = Retry(
      [&]() -> Status {
        if (!first && !options.before_retry_sql.empty()) {
          Status cleared = conn_.Run(options.before_retry_sql);
          if (!cleared.ok())
            return cleared.WithContext("before retrying, `" + options.before_retry_sql + "`");
        }
        first = false;
        return conn_.Run(statement);
      },
      tables, &attempts_);
  if (!status.ok() || options.same_transaction_sql.empty()) return status;
  // The statement has committed (MariaDB DDL always does): its record follows.
  int bookkeeping_attempts = 0;
  return Retry([&] { return conn_.Run(options.same_transaction_sql); }, {}, &bookkeeping_attempts);
}

namespace {

// The second session of RunGroupWithHandover: its statements run on a
// thread, started once every statement of the group has succeeded and
// before UNLOCK TABLES. Not earlier: were zeroshift killed part-way through
// the group, the server would go on with the handed-over statement once the
// lock went with the connection, and make the views over a half-done group.
class MariadbHandover {
 public:
  MariadbHandover(mysql::Connection& locking, mysql::Connection& second,
                  std::vector<std::string> statements)
      : locking_(locking), second_(second), statements_(std::move(statements)) {}
  MariadbHandover(const MariadbHandover&) = delete;
  MariadbHandover& operator=(const MariadbHandover&) = delete;
  ~MariadbHandover() { Join(); }

  // CREATE OR REPLACE VIEW needs the table's metadata lock to check the view,
  // so it cannot finish before UNLOCK TABLES. Returns once the first
  // statement waits for a metadata lock (holding the view's exclusive one),
  // or has ended, or after a few seconds.
  void StartAndWaitUntilItWaits(const RetryPolicy& policy) {
    const unsigned long id = second_.ConnectionId();
    sender_ = std::thread([this, policy] {
      for (const std::string& statement : statements_) {
        result_ = second_.Run(MariadbWaitBoundedStatement(policy, statement));
        if (!result_.ok()) break;
      }
      finished_.store(true);
    });
    const std::string waits = fmt::format(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {} AND STATE LIKE "
        "'Waiting for %metadata lock'",
        id);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!finished_.load() && std::chrono::steady_clock::now() < deadline) {
      Result<mysql::Rows> rows = locking_.Exec(waits);
      if (!rows.ok() || (rows->size() == 1 && rows->Get(0, 0) != "0")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // Ok when nothing was started.
  Status Finish() {
    Join();
    return result_;
  }

 private:
  void Join() {
    if (sender_.joinable()) sender_.join();
  }

  mysql::Connection& locking_;
  mysql::Connection& second_;
  std::vector<std::string> statements_;
  std::thread sender_;
  std::atomic<bool> finished_{false};
  Status result_ = Status::Ok();
};

}  // namespace

Status MariadbRunner::RunGroup(const std::vector<TableRef>& tables,
                               const std::vector<std::string>& statements) {
  return RunLockedGroup(tables, statements, nullptr, {});
}

Status MariadbRunner::RunGroupWithHandover(const std::vector<TableRef>& tables,
                                           const std::vector<std::string>& statements,
                                           mysql::Connection& second,
                                           const std::vector<std::string>& handover,
                                           const std::vector<TableRef>& views,
                                           Status* handover_failure) {
  MariadbHandover hand(conn_, second, handover);
  std::function<void()> before_unlock;
  if (!handover.empty()) before_unlock = [&] { hand.StartAndWaitUntilItWaits(policy_); };
  Status status = RunLockedGroup(tables, statements, before_unlock, views);
  Status handed = hand.Finish();
  if (handover_failure != nullptr) *handover_failure = handed;
  return status;
}

std::string MariadbRunner::LockTablesSql(const std::vector<TableRef>& locked) {
  std::string lock_sql = "LOCK TABLES ";
  for (size_t i = 0; i < locked.size(); ++i) {
    lock_sql += (i == 0 ? "" : ", ") + MariadbTableName(locked[i]) + " WRITE";
  }
  return lock_sql;
}

Result<std::string> MariadbRunner::LockThroughViews(const std::vector<TableRef>& tables,
                                                    const std::vector<TableRef>& views) {
  const std::string lock_sql = LockTablesSql(views);
  Status locked = Retry([&] { return conn_.Run(MariadbBoundedStatement(policy_, lock_sql)); },
                        tables, &attempts_);
  if (!locked.ok()) return locked;
  // Each table must be locked through a view (one the group already made
  // over other names reads another): else the statements would fail (1100).
  for (const TableRef& table : tables) {
    Status reachable = conn_.Run("SELECT 1 FROM " + MariadbTableName(table) + " LIMIT 0");
    if (!reachable.ok()) {
      (void)conn_.Run("UNLOCK TABLES");
      return reachable;
    }
  }
  return lock_sql;
}

Status MariadbRunner::RunLockedGroup(const std::vector<TableRef>& tables,
                                     const std::vector<std::string>& statements,
                                     const std::function<void()>& before_unlock,
                                     const std::vector<TableRef>& views) {
  attempts_ = 0;
  if (tables.empty()) {
    return InvalidInput(
        "a group of statements runs under LOCK TABLES: name the tables its statements use");
  }
  // The views first, when given: LOCK TABLES of a view alone takes the view's
  // metadata lock before its table's (naming both, MDL would sort the table
  // first), so a client coming through the view waits at the view, before
  // it reads the view's definition, and reads the one the handover makes;
  // one that found the table locked had read the old one, and failed (1356)
  // once the group renamed what it names.
  std::string lock_sql;
  if (!views.empty()) {
    Result<std::string> through = LockThroughViews(tables, views);
    if (through.ok()) lock_sql = *through;
    // A lock wait that gave up fails the group as the table's would; a view
    // that cannot be locked (invalid after a killed group, no privilege, not
    // over the table) leaves the table's own lock to do.
    if (!through.ok() && MariadbIsLockFailure(through.status())) return through.status();
  }
  if (lock_sql.empty()) {
    lock_sql = LockTablesSql(tables);
    ZS_RETURN_IF_ERROR(Retry([&] { return conn_.Run(MariadbBoundedStatement(policy_, lock_sql)); },
                             tables, &attempts_));
  }
  MariadbTableLock lock(conn_);
  for (size_t i = 0; i < statements.size(); ++i) {
    Status status = conn_.Run(MariadbWaitBoundedStatement(policy_, statements[i]));
    if (status.ok()) continue;
    Status unlocked = lock.Release();
    std::string unlock_failure = unlocked.ok()
                                     ? ""
                                     : "; UNLOCK TABLES failed too (" + unlocked.message() +
                                           "): the tables stay locked until this connection closes";
    return status.WithContext(fmt::format(
        "statement {} of {} under {} (the {} before it took effect: MariaDB cannot roll DDL "
        "back; the tables are unlocked again{})",
        i + 1, statements.size(), lock_sql, i, unlock_failure));
  }
  if (before_unlock) before_unlock();
  return lock.Release().WithContext("UNLOCK TABLES after the group");
}

Status MariadbRunner::Retry(const std::function<Status()>& attempt_once,
                            const std::vector<TableRef>& tables, int* attempts) {
  Status status = RetryLockFailures(
      policy_, attempt_once,
      {.is_lock_failure = MariadbIsLockFailure,
       .explain = [&](const Status& failure) { return ExplainLockFailure(failure, tables); }},
      on_retry_, attempts);
  return MariadbErrorNumberLast(status);
}

Status MariadbRunner::ExplainLockFailure(const Status& failure,
                                         const std::vector<TableRef>& tables) {
  Status explained = failure;
  for (const TableRef& table : tables) {
    Result<std::vector<backend::LockHolder>> holders =
        session_.LockHolders(table.schema, table.name);
    // The explanation is a courtesy: without it the failure still says what failed.
    if (!holders.ok() || holders->empty()) continue;
    explained = MariadbWithDetail(explained, MariadbTableName(table) + " is locked by " +
                                                 session_.DescribeLockHolders(*holders));
  }
  return explained;
}

}  // namespace zs::ddl
