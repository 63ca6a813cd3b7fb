#include "pg/ddl_runner.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "testing/shared_cluster.h"

namespace zs::pg {
namespace {

using std::chrono::milliseconds;

Connection Open(const std::string& url) {
  Result<Connection> conn = Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

bool ColumnExists(Connection& conn, const std::string& table, const std::string& column) {
  Result<Rows> rows = conn.ExecParams(
      "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
      {table, column});
  return rows.ok() && rows->size() == 1;
}

class DdlRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<Connection>(Open(url_));
    ASSERT_TRUE(conn_
                    ->Run("CREATE TABLE users (id int PRIMARY KEY, name text);"
                          "CREATE TABLE history (step text)")
                    .ok());
  }

  // A second session that holds ACCESS EXCLUSIVE on users until it commits.
  Connection HoldExclusiveLock() {
    Connection blocker = Open(url_);
    EXPECT_TRUE(blocker.Run("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").ok());
    return blocker;
  }

  static RetryPolicy FastPolicy(int max_attempts) {
    RetryPolicy policy;
    policy.lock_timeout = milliseconds(50);
    policy.statement_timeout = milliseconds(5000);
    policy.max_attempts = max_attempts;
    policy.initial_backoff = milliseconds(20);
    policy.max_backoff = milliseconds(100);
    return policy;
  }

  std::string url_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(DdlRunnerTest, RunsDdlAndBookkeepingInOneTransaction) {
  DdlRunner runner(*conn_, FastPolicy(3));
  DdlOptions options;
  options.same_transaction_sql = "INSERT INTO history VALUES ('added email')";
  ASSERT_TRUE(runner.Run("ALTER TABLE users ADD COLUMN email text", options).ok());
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
  EXPECT_TRUE(ColumnExists(*conn_, "users", "email"));
  Result<Rows> history = conn_->Exec("SELECT step FROM history");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->Get(0, 0), "added email");
  EXPECT_FALSE(conn_->InTransaction());
}

TEST_F(DdlRunnerTest, FailedBookkeepingRollsBackTheDdl) {
  DdlRunner runner(*conn_, FastPolicy(3));
  DdlOptions options;
  options.same_transaction_sql = "INSERT INTO no_such_table VALUES (1)";
  Status status = runner.Run("ALTER TABLE users ADD COLUMN email text", options);
  EXPECT_EQ(status.sqlstate(), "42P01");
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
  EXPECT_FALSE(ColumnExists(*conn_, "users", "email"));
  EXPECT_FALSE(conn_->InTransaction());
}

TEST_F(DdlRunnerTest, TimeoutsAreLocalToTheTransaction) {
  ASSERT_TRUE(conn_->SetLockTimeout(milliseconds(777)).ok());
  DdlRunner runner(*conn_, FastPolicy(3));
  ASSERT_TRUE(runner.Run("SELECT current_setting('lock_timeout')").ok());
  Result<Rows> rows = conn_->Exec("SHOW lock_timeout");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Get(0, 0), "777ms");
}

TEST_F(DdlRunnerTest, TrailingCommentDoesNotSwallowCommit) {
  DdlRunner runner(*conn_, FastPolicy(1));
  ASSERT_TRUE(runner.Run("ALTER TABLE users ADD COLUMN email text -- why").ok());
  EXPECT_FALSE(conn_->InTransaction());
  Connection other = Open(url_);  // committed: visible to another session
  EXPECT_TRUE(ColumnExists(other, "users", "email"));
}

TEST_F(DdlRunnerTest, GivesUpAfterMaxAttemptsWhileLockIsHeld) {
  Connection blocker = HoldExclusiveLock();
  DdlRunner runner(*conn_, FastPolicy(3));
  std::vector<int> retries;
  runner.OnRetry([&](int attempt, milliseconds delay, const Status& error) {
    retries.push_back(attempt);
    EXPECT_LE(delay, milliseconds(100));
    EXPECT_EQ(error.sqlstate(), "55P03");
  });
  Status status = runner.Run("ALTER TABLE users ADD COLUMN email text");
  EXPECT_EQ(status.code(), Code::kLockTimeout);
  EXPECT_EQ(status.sqlstate(), "55P03");
  EXPECT_EQ(runner.attempts_of_last_run(), 3);
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
  EXPECT_NE(
      status.message().find("gave up after 3 attempts waiting for a lock (lock_timeout 50ms)"),
      std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("--lock-timeout / --lock-retries"), std::string::npos);
  EXPECT_FALSE(conn_->InTransaction());
  ASSERT_TRUE(blocker.Run("ROLLBACK").ok());
  EXPECT_FALSE(ColumnExists(*conn_, "users", "email"));
}

TEST_F(DdlRunnerTest, SucceedsOnceTheBlockerCommitsBetweenRetries) {
  // Event-ordered: the blocker commits in the retry callback of attempt 2,
  // so attempts 1 and 2 can only time out (the blocker holds the lock) and
  // attempt 3 finds none. lock_timeout bounds only the wait on PostgreSQL:
  // attempt 3's work is not bounded by it, whatever the machine's load.
  Connection blocker = HoldExclusiveLock();
  DdlRunner runner(*conn_, FastPolicy(10));
  std::vector<int> retries;
  runner.OnRetry([&](int attempt, milliseconds, const Status& error) {
    retries.push_back(attempt);
    EXPECT_EQ(error.sqlstate(), "55P03") << error.ToString();
    if (attempt == 2) {
      EXPECT_TRUE(blocker.Run("COMMIT").ok());
    }
  });
  DdlOptions options;
  options.same_transaction_sql = "INSERT INTO history VALUES ('email')";
  Status status = runner.Run("ALTER TABLE users ADD COLUMN email text", options);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
  EXPECT_EQ(runner.attempts_of_last_run(), 3);
  EXPECT_TRUE(ColumnExists(*conn_, "users", "email"));
  // The failed attempts rolled their bookkeeping back: one row, the last attempt's.
  Result<Rows> history = conn_->Exec("SELECT count(*) FROM history");
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->GetInt(0, 0), 1);
}

TEST_F(DdlRunnerTest, OtherErrorsReturnAtOnce) {
  DdlRunner runner(*conn_, FastPolicy(5));
  Status status = runner.Run("ALTER TABLE missing ADD COLUMN x int");
  EXPECT_EQ(status.code(), Code::kDatabase);
  EXPECT_EQ(status.sqlstate(), "42P01");
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
  EXPECT_FALSE(conn_->InTransaction());
}

TEST_F(DdlRunnerTest, StatementTimeoutIsNotRetried) {
  RetryPolicy policy = FastPolicy(5);
  policy.statement_timeout = milliseconds(100);
  DdlRunner runner(*conn_, policy);
  Status status = runner.Run("SELECT pg_sleep(2)");
  EXPECT_EQ(status.sqlstate(), "57014");
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
}

TEST_F(DdlRunnerTest, RefusesToRunInsideATransaction) {
  ASSERT_TRUE(conn_->Run("BEGIN").ok());
  DdlRunner runner(*conn_, FastPolicy(3));
  Status status = runner.Run("ALTER TABLE users ADD COLUMN email text");
  EXPECT_EQ(status.code(), Code::kInternal);
  EXPECT_TRUE(conn_->InTransaction());  // the caller's transaction is left alone
  ASSERT_TRUE(conn_->Run("ROLLBACK").ok());
}

TEST_F(DdlRunnerTest, ConcurrentStatementRestoresSessionTimeouts) {
  ASSERT_TRUE(conn_->SetLockTimeout(milliseconds(777)).ok());
  ASSERT_TRUE(conn_->SetStatementTimeout(milliseconds(9000)).ok());
  DdlRunner runner(*conn_, FastPolicy(3));
  DdlOptions options;
  options.concurrently = true;
  options.same_transaction_sql = "INSERT INTO history VALUES ('index')";
  Status status = runner.Run("CREATE INDEX CONCURRENTLY users_name ON users (name)", options);
  ASSERT_TRUE(status.ok()) << status.ToString();
  Result<Rows> rows = conn_->Exec(
      "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'),"
      " (SELECT count(*) FROM history), (SELECT indisvalid FROM pg_index"
      "  WHERE indexrelid = 'users_name'::regclass)");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0), "777ms");
  EXPECT_EQ(rows->Get(0, 1), "9s");
  EXPECT_EQ(rows->GetInt(0, 2), 1);
  EXPECT_TRUE(rows->GetBool(0, 3));
}

TEST_F(DdlRunnerTest, ConcurrentStatementRetriesLockTimeouts) {
  // DROP INDEX CONCURRENTLY leaves nothing behind when it times out.
  ASSERT_TRUE(conn_->Run("CREATE INDEX users_name ON users (name)").ok());
  Connection blocker = HoldExclusiveLock();
  DdlRunner runner(*conn_, FastPolicy(2));
  DdlOptions options;
  options.concurrently = true;
  Status status = runner.Run("DROP INDEX CONCURRENTLY users_name", options);
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 2);
  Result<Rows> rows = conn_->Exec("SHOW lock_timeout");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Get(0, 0), "0");
  ASSERT_TRUE(blocker.Run("COMMIT").ok());
}

// Whether `pid` waits for a lock (pg_locks shows a request not granted),
// polled until it does; false after about 30 s.
bool WaitUntilWaitingForALock(Connection& observer, int pid) {
  const std::string waiting =
      "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + std::to_string(pid);
  for (int i = 0; i < 3000; ++i) {
    Result<Rows> rows = observer.Exec(waiting);
    if (rows.ok() && rows->GetInt(0, 0) > 0) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST_F(DdlRunnerTest, RetriesADeadlock) {
  // Event-ordered, so that the runner is always the victim: the blocker
  // waits for users (held by the runner) before the runner, let through a
  // gate, asks for `other` (held by the blocker). The runner's wait then
  // closes the cycle, and its deadlock check, 200 ms into that wait, finds
  // it; the blocker's own check would come only after a minute.
  ASSERT_TRUE(conn_->Run("CREATE TABLE other (id int)").ok());
  ASSERT_TRUE(conn_->Run("SET deadlock_timeout = '200ms'").ok());
  Connection blocker = Open(url_);
  ASSERT_TRUE(blocker.Run("SET deadlock_timeout = '60s'").ok());
  ASSERT_TRUE(blocker.Run("BEGIN; LOCK TABLE other IN ACCESS EXCLUSIVE MODE").ok());
  Connection gate = Open(url_);
  ASSERT_TRUE(gate.Run("SELECT pg_advisory_lock(17)").ok());
  RetryPolicy policy = FastPolicy(3);
  // Bounds far above the test's own steps: only the deadlock ends attempt 1.
  policy.lock_timeout = milliseconds(30000);
  policy.first_lock_timeout = milliseconds(0);
  policy.statement_timeout = milliseconds(60000);
  DdlRunner runner(*conn_, policy);
  std::vector<std::string> errors;
  runner.OnRetry(
      [&](int, milliseconds, const Status& error) { errors.push_back(error.sqlstate()); });
  Connection observer = Open(url_);
  const int runner_pid = conn_->BackendPid();
  const int blocker_pid = blocker.BackendPid();
  std::thread closing_the_cycle([&] {
    // The runner holds users and waits at the gate.
    ASSERT_TRUE(WaitUntilWaitingForALock(observer, runner_pid));
    std::future<Status> queued = std::async(std::launch::async, [&] {
      return blocker.Run("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
    });
    EXPECT_TRUE(WaitUntilWaitingForALock(observer, blocker_pid));
    EXPECT_TRUE(gate.Run("SELECT pg_advisory_unlock(17)").ok());
    // Granted once the runner's attempt 1 is rolled back as the victim.
    EXPECT_TRUE(queued.get().ok());
    EXPECT_TRUE(blocker.Run("COMMIT").ok());
  });
  Status status = runner.Run(
      "LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_advisory_xact_lock(17); "
      "LOCK TABLE other IN ACCESS EXCLUSIVE MODE");
  closing_the_cycle.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(errors, (std::vector<std::string>{"40P01"}));
  EXPECT_EQ(runner.attempts_of_last_run(), 2);
}

TEST_F(DdlRunnerTest, ALockFailureNamesTheSessionHoldingTheTable) {
  Connection blocker = Open(url_);
  ASSERT_TRUE(blocker.Run("SET application_name = 'nightly-report'").ok());
  ASSERT_TRUE(blocker.Run("BEGIN").ok());
  ASSERT_TRUE(blocker.Run("SELECT count(*) FROM users").ok());
  DdlRunner runner(*conn_, FastPolicy(2));
  std::vector<std::string> retry_messages;
  runner.OnRetry(
      [&](int, milliseconds, const Status& error) { retry_messages.push_back(error.message()); });
  Status status =
      runner.Run("ALTER TABLE users ADD COLUMN email text", {.lock_table = "public.users"});
  EXPECT_EQ(status.code(), Code::kLockTimeout);
  const std::string holder = "public.users is locked by pid " +
                             std::to_string(blocker.BackendPid()) +
                             " (nightly-report, idle in transaction for ";
  EXPECT_NE(status.message().find(holder), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("holds AccessShareLock: SELECT count(*) FROM users)"),
            std::string::npos)
      << status.message();
  ASSERT_EQ(retry_messages.size(), 1u);
  EXPECT_NE(retry_messages[0].find(holder), std::string::npos) << retry_messages[0];
  ASSERT_TRUE(blocker.Run("ROLLBACK").ok());
}

TEST_F(DdlRunnerTest, EachRetryWaitsLongerUpToTheLockTimeout) {
  // Each attempt draws as many values from a sequence as its lock_timeout
  // has milliseconds: sequences ignore the rollback of a failed attempt.
  ASSERT_TRUE(conn_->Run("CREATE SEQUENCE lock_waits").ok());
  Connection observer = Open(url_);
  auto drawn = [&observer]() -> long long {
    Result<Rows> rows =
        observer.Exec("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM lock_waits");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0) : -1;
  };
  Connection blocker = HoldExclusiveLock();
  RetryPolicy policy = FastPolicy(6);
  policy.first_lock_timeout = milliseconds(15);
  policy.lock_timeout = milliseconds(100);
  DdlRunner runner(*conn_, policy);
  std::vector<long long> waits;
  long long before = 0;
  runner.OnRetry([&](int, milliseconds, const Status&) {
    long long now = drawn();
    waits.push_back(now - before);
    before = now;
  });
  Status status = runner.Run(
      "SELECT count(nextval('lock_waits')) FROM generate_series(1, "
      "replace(current_setting('lock_timeout'), 'ms', '')::int);\n"
      "ALTER TABLE users ADD COLUMN email text");
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  waits.push_back(drawn() - before);
  EXPECT_EQ(waits, (std::vector<long long>{15, 30, 60, 100, 100, 100}));
  // The message names the configured bound, which no attempt exceeded.
  EXPECT_NE(status.message().find("gave up after 6 attempts waiting for a lock (lock_timeout "
                                  "100ms)"),
            std::string::npos)
      << status.message();
  ASSERT_TRUE(blocker.Run("ROLLBACK").ok());
}

TEST(LockHoldersTest, DescribesAtMostThreeHolders) {
  std::vector<LockHolder> holders;
  for (int pid = 1; pid <= 5; ++pid) {
    holders.push_back({.pid = pid,
                       .backend_type = "client backend",
                       .state = "active",
                       .modes = "RowExclusiveLock",
                       .query = "UPDATE users SET name = $1"});
  }
  holders[0].application_name = "api";
  holders[0].transaction_s = 2.4;
  EXPECT_EQ(DescribeLockHolders(holders),
            "pid 1 (api, active for 2 s, holds RowExclusiveLock: UPDATE users SET name = $1); "
            "pid 2 (client backend, active, holds RowExclusiveLock: UPDATE users SET name = $1); "
            "pid 3 (client backend, active, holds RowExclusiveLock: UPDATE users SET name = $1); "
            "and 2 more");
  LockHolder vacuum{.backend_type = "autovacuum worker",
                    .query = "autovacuum: VACUUM public.users (to prevent wraparound)"};
  EXPECT_TRUE(vacuum.IsAutovacuum());
  EXPECT_TRUE(vacuum.IsWraparoundAutovacuum());
  vacuum.query = "autovacuum: VACUUM public.users";
  EXPECT_FALSE(vacuum.IsWraparoundAutovacuum());
}

TEST(LockHoldersTest, OnlyAVisibleOrdinaryAutovacuumIsCancellable) {
  // Rows as pg_stat_activity shows them (backend_type, query).
  LockHolder vacuum{.backend_type = "autovacuum worker",
                    .query = "autovacuum: VACUUM public.users"};
  EXPECT_TRUE(vacuum.IsCancellableAutovacuum());
  vacuum.query = "autovacuum: VACUUM ANALYZE public.users";
  EXPECT_TRUE(vacuum.IsCancellableAutovacuum());
  vacuum.query = "autovacuum: VACUUM public.users (to prevent wraparound)";
  EXPECT_FALSE(vacuum.IsCancellableAutovacuum());
  // Shortened before the suffix: the server-side flag still tells.
  vacuum.query = "autovacuum: VACUUM public.a_very_long_table_name_cut_off_be";
  vacuum.prevents_wraparound = true;
  EXPECT_TRUE(vacuum.IsWraparoundAutovacuum());
  EXPECT_FALSE(vacuum.IsCancellableAutovacuum());
  // Hidden from a role without pg_read_all_stats: it might prevent wraparound.
  vacuum = {.backend_type = "autovacuum worker", .query = "<insufficient privilege>"};
  EXPECT_FALSE(vacuum.IsCancellableAutovacuum());
  vacuum.query = "";
  EXPECT_FALSE(vacuum.IsCancellableAutovacuum());
  LockHolder client{.backend_type = "client backend", .query = "autovacuum: VACUUM x"};
  EXPECT_FALSE(client.IsCancellableAutovacuum());
}

// ------------------------------------------------ CREATE INDEX CONCURRENTLY
// A build that times out part-way leaves an INVALID index behind; the runner
// clears it with before_retry_sql before each retry and after giving up.

constexpr char kBuildIndex[] = "CREATE INDEX CONCURRENTLY users_name ON users (name)";
constexpr char kClearIndex[] = "DROP INDEX CONCURRENTLY IF EXISTS users_name";

class ConcurrentIndexTest : public DdlRunnerTest {
 protected:
  void SetUp() override {
    DdlRunnerTest::SetUp();
    observer_ = std::make_unique<Connection>(Open(url_));
  }

  // "valid", "INVALID" or "absent": the state of index users_name.
  std::string IndexState() {
    Result<Rows> rows = observer_->Exec(
        "SELECT CASE WHEN indisvalid THEN 'valid' ELSE 'INVALID' END FROM pg_index "
        "WHERE indexrelid = to_regclass('users_name')");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "absent";
  }

  // A session that keeps an uncommitted write on users: CREATE INDEX
  // CONCURRENTLY registers its index, then waits for this transaction's
  // virtualxid (under lock_timeout), and DROP INDEX CONCURRENTLY waits too.
  Connection HoldOpenWrite() {
    Connection writer = Open(url_);
    EXPECT_TRUE(writer.Run("BEGIN; INSERT INTO users VALUES (99, 'writer')").ok());
    return writer;
  }

  static DdlOptions IndexOptions() {
    DdlOptions options;
    options.concurrently = true;
    options.before_retry_sql = kClearIndex;
    return options;
  }

  std::unique_ptr<Connection> observer_;
};

TEST_F(ConcurrentIndexTest, SucceedsOnceAnExclusiveLockIsReleasedAfterTwoRetries) {
  Connection blocker = HoldExclusiveLock();
  DdlRunner runner(*conn_, FastPolicy(10));
  runner.OnRetry([&](int attempt, milliseconds, const Status& error) {
    EXPECT_EQ(error.sqlstate(), "55P03") << error.ToString();
    EXPECT_EQ(IndexState(), "absent");  // it never got the SHARE UPDATE EXCLUSIVE lock
    if (attempt == 2) {
      EXPECT_TRUE(blocker.Run("COMMIT").ok());
    }
  });
  Status status = runner.Run(kBuildIndex, IndexOptions());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 3);
  EXPECT_EQ(IndexState(), "valid");
}

TEST_F(ConcurrentIndexTest, ClearsTheInvalidIndexAndSucceedsOnceAWriterEndsAfterTwoRetries) {
  Connection writer = HoldOpenWrite();
  DdlRunner runner(*conn_, FastPolicy(10));
  std::vector<std::string> states;
  runner.OnRetry([&](int attempt, milliseconds, const Status& error) {
    EXPECT_EQ(error.sqlstate(), "55P03") << error.ToString();
    states.push_back(IndexState());
    if (attempt == 2) {
      EXPECT_TRUE(writer.Run("COMMIT").ok());
    }
  });
  Status status = runner.Run(kBuildIndex, IndexOptions());
  ASSERT_TRUE(status.ok()) << status.ToString();
  // Attempt 1 left an INVALID index; attempt 2 could not drop it while the
  // writer was open; attempt 3 dropped it and built the index.
  EXPECT_EQ(states, (std::vector<std::string>{"INVALID", "INVALID"}));
  EXPECT_EQ(runner.attempts_of_last_run(), 3);
  EXPECT_EQ(IndexState(), "valid");
  Result<Rows> invalid = observer_->Exec("SELECT count(*) FROM pg_index WHERE NOT indisvalid");
  ASSERT_TRUE(invalid.ok());
  EXPECT_EQ(invalid->GetInt(0, 0), 0);
}

TEST_F(ConcurrentIndexTest, GivesUpBehindAnOldSnapshotAndLeavesNoInvalidIndex) {
  // No lock on users at all: the build's last phase waits for every
  // transaction whose snapshot predates it.
  Connection reader = Open(url_);
  ASSERT_TRUE(
      reader.Run("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM history").ok());
  DdlRunner runner(*conn_, FastPolicy(2));
  std::vector<std::string> states;
  runner.OnRetry([&](int, milliseconds, const Status&) { states.push_back(IndexState()); });
  Status status = runner.Run(kBuildIndex, IndexOptions());
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_EQ(status.sqlstate(), "55P03");
  EXPECT_EQ(runner.attempts_of_last_run(), 2);
  EXPECT_EQ(states, (std::vector<std::string>{"INVALID"}));
  EXPECT_NE(status.message().find(std::string("cleared with `") + kClearIndex + "`"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(IndexState(), "absent");
  EXPECT_FALSE(conn_->InTransaction());
  ASSERT_TRUE(reader.Run("ROLLBACK").ok());
}

TEST_F(ConcurrentIndexTest, GivesUpBehindAnExclusiveLockThatNeverEnds) {
  Connection blocker = HoldExclusiveLock();
  DdlRunner runner(*conn_, FastPolicy(3));
  Status status = runner.Run(kBuildIndex, IndexOptions());
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 3);
  EXPECT_NE(status.message().find("gave up after 3 attempts"), std::string::npos);
  EXPECT_EQ(IndexState(), "absent");
  ASSERT_TRUE(blocker.Run("ROLLBACK").ok());
}

TEST_F(ConcurrentIndexTest, BehindAWriterThatNeverEndsSaysHowToDropTheInvalidIndex) {
  // PostgreSQL cannot drop the INVALID index while the writer's transaction
  // is open (DROP INDEX CONCURRENTLY waits for it too): the error says so
  // and names the statement that drops it.
  Connection writer = HoldOpenWrite();
  DdlRunner runner(*conn_, FastPolicy(2));
  Status status = runner.Run(kBuildIndex, IndexOptions());
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_NE(status.message().find(std::string("clearing what it left failed too")),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find(std::string("run `") + kClearIndex +
                                  "` once the session holding the lock has ended"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(IndexState(), "INVALID");
  ASSERT_TRUE(writer.Run("ROLLBACK").ok());
  ASSERT_TRUE(conn_->Run(kClearIndex).ok());
  EXPECT_EQ(IndexState(), "absent");
}

TEST_F(ConcurrentIndexTest, FailedUniqueBuildIsClearedAndReportedAtOnce) {
  ASSERT_TRUE(conn_->Run("INSERT INTO users VALUES (1, 'same'), (2, 'same')").ok());
  DdlRunner runner(*conn_, FastPolicy(5));
  Status status =
      runner.Run("CREATE UNIQUE INDEX CONCURRENTLY users_name ON users (name)", IndexOptions());
  EXPECT_EQ(status.sqlstate(), "23505") << status.ToString();
  EXPECT_EQ(runner.attempts_of_last_run(), 1);
  EXPECT_NE(status.message().find("cleared with"), std::string::npos) << status.message();
  EXPECT_EQ(IndexState(), "absent");
}

TEST_F(ConcurrentIndexTest, NeverClearsANameThatWasAlreadyTaken) {
  // 42P07: the index of that name is not the statement's, so it stays.
  ASSERT_TRUE(conn_->Run("CREATE INDEX users_name ON users (id)").ok());
  DdlRunner runner(*conn_, FastPolicy(5));
  Status status = runner.Run(kBuildIndex, IndexOptions());
  EXPECT_EQ(status.sqlstate(), "42P07") << status.ToString();
  EXPECT_EQ(IndexState(), "valid");
}

}  // namespace
}  // namespace zs::pg
