// The MariaDB DDL runner against a real throwaway MariaDB. No wall-clock
// assertions: each test orders its sessions through the retry callback, a
// user lock (GET_LOCK) and what PROCESSLIST says a session is doing.
#include "ddl/mariadb_runner.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "backend/mariadb_backend.h"
#include "testing/shared_mariadb.h"

namespace zs::ddl {
namespace {

using std::chrono::milliseconds;

mysql::Connection OpenMariadbOrDie(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

RetryPolicy FastMariadbPolicy(int max_attempts) {
  return RetryPolicy{.lock_timeout = milliseconds(50),
                     .max_attempts = max_attempts,
                     .initial_backoff = milliseconds(20),
                     .max_backoff = milliseconds(100)};
}

// For a test in which no other session holds the table. max_statement_time
// bounds a statement's work as well as its wait, and a loaded machine can
// stretch an ALTER or a LOCK TABLES past 50 ms: a bound this far above any
// statement's work never fires, so the attempt count cannot depend on load.
RetryPolicy UnhurriedMariadbPolicy(int max_attempts) {
  RetryPolicy policy = FastMariadbPolicy(max_attempts);
  policy.lock_timeout = milliseconds(60000);
  return policy;
}

TEST(MariadbRunnerBoundTest, MaxStatementTimeInFractionalSecondsLockWaitInWholeOnes) {
  RetryPolicy policy{.lock_timeout = milliseconds(500)};
  EXPECT_EQ(MariadbBoundedStatement(policy, "ALTER TABLE t DROP COLUMN c"),
            "SET STATEMENT max_statement_time=0.500 FOR ALTER TABLE t DROP COLUMN c");
  EXPECT_EQ(MariadbWaitBoundedStatement(policy, "ALTER TABLE t ADD INDEX (c)"),
            "SET STATEMENT lock_wait_timeout=1 FOR ALTER TABLE t ADD INDEX (c)");
  policy.lock_timeout = milliseconds(2050);
  EXPECT_EQ(MariadbBoundedStatement(policy, "DROP TRIGGER t_bi"),
            "SET STATEMENT max_statement_time=2.050 FOR DROP TRIGGER t_bi");
  EXPECT_EQ(MariadbWaitBoundedStatement(policy, "DROP TRIGGER t_bi"),
            "SET STATEMENT lock_wait_timeout=3 FOR DROP TRIGGER t_bi");
  policy.lock_timeout = milliseconds(0);  // no bound, as lock_timeout 0 on PostgreSQL
  EXPECT_EQ(MariadbBoundedStatement(policy, "DROP TRIGGER t_bi"), "DROP TRIGGER t_bi");
  EXPECT_EQ(MariadbWaitBoundedStatement(policy, "DROP TRIGGER t_bi"), "DROP TRIGGER t_bi");
}

class MariadbRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshMariadbDatabaseUrl();
    Result<const backend::Backend*> backend = backend::MariadbBackendForUrl(url_);
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    Result<std::unique_ptr<backend::Session>> session = (*backend)->Connect(url_);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(session).value();
    Result<mysql::Rows> database = conn().Exec("SELECT DATABASE()");
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    database_ = database->Get(0, 0);
    ASSERT_TRUE(conn()
                    .Run("CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50))")
                    .ok());
    ASSERT_TRUE(conn().Run("INSERT INTO users (name) VALUES ('ada')").ok());
  }

  mysql::Connection& conn() { return backend::MariadbConnection(*session_); }
  TableRef Users() const { return TableRef{.schema = database_, .name = "users"}; }

  std::unique_ptr<Runner> MakeFastRunner(int max_attempts) {
    return MakeRunnerWith(FastMariadbPolicy(max_attempts));
  }

  // No other session holds users: see UnhurriedMariadbPolicy.
  std::unique_ptr<Runner> MakeUnhurriedRunner(int max_attempts) {
    return MakeRunnerWith(UnhurriedMariadbPolicy(max_attempts));
  }

  std::unique_ptr<Runner> MakeRunnerWith(const RetryPolicy& policy) {
    std::unique_ptr<Runner> runner = MakeRunner(*session_, policy);
    EXPECT_NE(dynamic_cast<MariadbRunner*>(runner.get()), nullptr);  // the factory's choice
    return runner;
  }

  // Another session with an open InnoDB transaction that has read users:
  // it holds the table's metadata lock until it ends.
  mysql::Connection HoldOpenTransaction() {
    mysql::Connection holder = OpenMariadbOrDie(url_);
    EXPECT_TRUE(holder.Run("BEGIN").ok());
    EXPECT_TRUE(holder.Run("SELECT * FROM users FOR UPDATE").ok());
    return holder;
  }

  bool ColumnExists(const std::string& column) {
    Result<mysql::Rows> rows = OpenMariadbOrDie(url_).Exec(
        "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = 'users' AND COLUMN_NAME = " +
        mysql::QuoteLiteral(column));
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && rows->size() == 1;
  }

  // Polls until `count_sql` (a SELECT COUNT(*)) is positive; false after about 30 s.
  // Every 150 ms: InnoDB refreshes the rows of INNODB_TRX only when they were
  // not read for 100 ms, so a faster poll would see them frozen.
  bool WaitUntil(const std::string& count_sql) {
    mysql::Connection observer = OpenMariadbOrDie(url_);
    for (int i = 0; i < 200; ++i) {
      Result<mysql::Rows> rows = observer.Exec(count_sql);
      if (rows.ok() && rows->GetInt(0, 0) > 0) return true;
      std::this_thread::sleep_for(milliseconds(150));
    }
    return false;
  }

  // Connection `id` runs a statement whose text or state contains `what`.
  bool WaitUntilConnectionIn(unsigned long id, const std::string& column, const std::string& what) {
    return WaitUntil(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + std::to_string(id) +
        " AND " + column + " LIKE " + mysql::QuoteLiteral("%" + what + "%"));
  }

  std::string url_;
  std::string database_;
  std::unique_ptr<backend::Session> session_;
};

bool IsBoundedLockWaitError(int number) {
  return number == mysql::errors::kStatementTimeout || number == mysql::errors::kLockWaitTimeout;
}

TEST_F(MariadbRunnerTest, GivesUpBehindAnOpenTransactionNamingTheHolder) {
  mysql::Connection holder = HoldOpenTransaction();
  std::unique_ptr<Runner> runner = MakeFastRunner(3);
  std::vector<int> retries;
  runner->OnRetry([&](int attempt, milliseconds delay, const Status& error) {
    retries.push_back(attempt);
    EXPECT_LE(delay, milliseconds(100));
    EXPECT_TRUE(IsBoundedLockWaitError(mysql::ErrorNumber(error))) << error.ToString();
  });
  Status status =
      runner->Run("ALTER TABLE users ADD COLUMN email VARCHAR(50)", {.locked = Users()});
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_TRUE(IsBoundedLockWaitError(mysql::ErrorNumber(status))) << status.ToString();
  EXPECT_EQ(runner->attempts_of_last_run(), 3);
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
  EXPECT_NE(
      status.message().find("gave up after 3 attempts waiting for a lock (lock_timeout 50ms)"),
      std::string::npos)
      << status.message();
  const std::string named = mysql::QuoteIdentifier(database_) +
                            ".`users` is locked by connection " +
                            std::to_string(holder.ConnectionId()) + " (";
  EXPECT_NE(status.message().find(named), std::string::npos) << status.message();
  ASSERT_TRUE(holder.Run("ROLLBACK").ok());
  EXPECT_FALSE(ColumnExists("email"));
}

TEST_F(MariadbRunnerTest, SucceedsOnceTheHolderCommitsBetweenRetries) {
  // Event-ordered: the holder commits in the retry callback of attempt 2, so
  // attempts 1 and 2 can only end by the bound (the holder keeps the lock)
  // and attempt 3 starts with no holder. The statement is bounded with
  // lock_wait_timeout (`concurrently`), which bounds only the wait: under
  // max_statement_time a loaded machine could stretch attempt 3's work past
  // the 50 ms bound and make it fail too (seen once: 4 attempts).
  mysql::Connection holder = HoldOpenTransaction();
  std::unique_ptr<Runner> runner = MakeFastRunner(10);
  std::vector<int> retries;
  runner->OnRetry([&](int attempt, milliseconds, const Status& error) {
    retries.push_back(attempt);
    EXPECT_EQ(mysql::ErrorNumber(error), mysql::errors::kLockWaitTimeout) << error.ToString();
    if (attempt == 2) {
      EXPECT_TRUE(holder.Run("COMMIT").ok());
    }
  });
  Status status = runner->Run("ALTER TABLE users ADD COLUMN email VARCHAR(50)",
                              {.concurrently = true, .locked = Users()});
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(retries, (std::vector<int>{1, 2}));
  EXPECT_EQ(runner->attempts_of_last_run(), 3);
  EXPECT_TRUE(ColumnExists("email"));
}

TEST_F(MariadbRunnerTest, RetriesADeadlock) {
  ASSERT_TRUE(conn().Run("INSERT INTO users (id, name) VALUES (2, 'bob')").ok());
  // The other transaction has written many rows, so InnoDB makes the
  // runner's lighter statement the deadlock victim.
  mysql::Connection other = OpenMariadbOrDie(url_);
  ASSERT_TRUE(other.Run("BEGIN").ok());
  ASSERT_TRUE(other
                  .Run("INSERT INTO users (id, name) SELECT seq + 100, 'filler' FROM "
                       "seq_1_to_200")
                  .ok());
  ASSERT_TRUE(other.Run("UPDATE users SET name = 'other' WHERE id = 2").ok());
  RetryPolicy policy = FastMariadbPolicy(3);
  policy.lock_timeout = milliseconds(20000);  // the deadlock, not the bound, ends the wait
  std::unique_ptr<Runner> runner = MakeRunner(*session_, policy);
  std::vector<int> errors;
  runner->OnRetry(
      [&](int, milliseconds, const Status& error) { errors.push_back(mysql::ErrorNumber(error)); });
  const unsigned long runner_id = conn().ConnectionId();
  std::future<Status> run = std::async(std::launch::async, [&] {
    // Locks row 1, then waits for row 2, which `other` holds.
    return runner->Run("UPDATE users SET name = 'runner' WHERE id IN (1, 2) ORDER BY id",
                       {.locked = Users()});
  });
  ASSERT_TRUE(WaitUntil(
      "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND "
      "trx_mysql_thread_id = " +
      std::to_string(runner_id)));
  // Row 1 closes the cycle; InnoDB rolls the runner's statement back, and
  // its retry waits until `other` commits.
  Status closed = other.Run("UPDATE users SET name = 'other' WHERE id = 1");
  Status committed = other.Run("COMMIT");
  Status status = run.get();
  ASSERT_TRUE(closed.ok()) << closed.ToString();
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(errors, (std::vector<int>{mysql::errors::kDeadlock}));
  EXPECT_EQ(runner->attempts_of_last_run(), 2);
  Result<mysql::Rows> names = conn().Exec("SELECT name FROM users WHERE id IN (1, 2)");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->Get(0, 0), "runner");
  EXPECT_EQ(names->Get(1, 0), "runner");
}

TEST_F(MariadbRunnerTest, OtherErrorsReturnAtOnce) {
  std::unique_ptr<Runner> runner = MakeFastRunner(5);
  int retries = 0;
  runner->OnRetry([&](int, milliseconds, const Status&) { ++retries; });
  Status status = runner->Run("ALTER TABLE users ADD COLUMN", {.locked = Users()});
  EXPECT_EQ(status.code(), Code::kDatabase) << status.ToString();
  EXPECT_EQ(mysql::ErrorNumber(status), 1064) << status.ToString();
  EXPECT_EQ(runner->attempts_of_last_run(), 1);
  EXPECT_EQ(retries, 0);
}

TEST_F(MariadbRunnerTest, AStatementLockingNoTableRunsUnbounded) {
  mysql::Connection holder = HoldOpenTransaction();
  std::unique_ptr<Runner> runner = MakeFastRunner(1);
  // A view reads users' definition under a shared metadata lock: the open
  // transaction does not block it, and no bound applies.
  Status status = runner->Run("CREATE VIEW users_v AS SELECT id, name FROM users");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(runner->attempts_of_last_run(), 1);
  ASSERT_TRUE(holder.Run("ROLLBACK").ok());
}

TEST_F(MariadbRunnerTest, RunEachRunsStatementsInOrderAndSaysHowFarItGot) {
  std::unique_ptr<Runner> runner = MakeUnhurriedRunner(2);
  ASSERT_TRUE(runner
                  ->RunEach({"ALTER TABLE users ADD COLUMN IF NOT EXISTS email VARCHAR(50)",
                             "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone VARCHAR(50)"},
                            {.locked = Users()})
                  .ok());
  EXPECT_TRUE(ColumnExists("email"));
  EXPECT_TRUE(ColumnExists("phone"));
  Status status = runner->RunEach(
      {"ALTER TABLE users ADD COLUMN IF NOT EXISTS fax VARCHAR(50)", "ALTER TABLE users DROP"},
      {.locked = Users()});
  EXPECT_EQ(mysql::ErrorNumber(status), 1064) << status.ToString();
  EXPECT_NE(status.message().find("statement 2 of 2 (the 1 before it took effect"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(ColumnExists("fax"));
}

// ------------------------------------------------ groups under LOCK TABLES

class MariadbRunnerGroupTest : public MariadbRunnerTest {
 protected:
  void SetUp() override {
    MariadbRunnerTest::SetUp();
    // The dual-write shape being contracted: the trigger fills the old column.
    ASSERT_TRUE(conn().Run("ALTER TABLE users ADD COLUMN legacy VARCHAR(50)").ok());
    ASSERT_TRUE(conn()
                    .Run("CREATE TRIGGER users_legacy BEFORE INSERT ON users FOR EACH ROW "
                         "SET NEW.legacy = NEW.name")
                    .ok());
  }

  // The names in users, in insertion order (the AUTO_INCREMENT id).
  std::vector<std::string> NamesInOrder() {
    Result<mysql::Rows> rows = OpenMariadbOrDie(url_).Exec("SELECT name FROM users ORDER BY id");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> names;
    for (int row = 0; rows.ok() && row < rows->size(); ++row) names.push_back(rows->Get(row, 0));
    return names;
  }

  bool TriggerExists() {
    Result<mysql::Rows> rows = OpenMariadbOrDie(url_).Exec(
        "SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND "
        "TRIGGER_NAME = 'users_legacy'");
    return rows.ok() && rows->size() == 1;
  }
};

TEST_F(MariadbRunnerGroupTest, AWriterStartedDuringTheGroupLandsAfterUnlock) {
  // The group stops half-way at a user lock this test holds (the gate), so
  // a writer can be started while the group holds LOCK TABLES.
  mysql::Connection gate = OpenMariadbOrDie(url_);
  Result<mysql::Rows> gated = gate.Exec("SELECT GET_LOCK('zs_ddl_gate', 0)");
  ASSERT_TRUE(gated.ok() && gated->GetInt(0, 0) == 1);
  // Nothing holds users when the group starts: LOCK TABLES takes one attempt.
  std::unique_ptr<Runner> runner = MakeUnhurriedRunner(3);
  const unsigned long runner_id = conn().ConnectionId();
  std::future<Status> group = std::async(std::launch::async, [&] {
    return runner->RunGroup(
        {Users()},
        {"DROP TRIGGER users_legacy", "INSERT INTO users (name) VALUES ('group-1')",
         "DO GET_LOCK('zs_ddl_gate', 60)", "ALTER TABLE users DROP COLUMN legacy",
         "INSERT INTO users (name) VALUES ('group-2')", "DO RELEASE_LOCK('zs_ddl_gate')"});
  });
  ASSERT_TRUE(WaitUntilConnectionIn(runner_id, "INFO", "GET_LOCK('zs_ddl_gate'"));  // at the gate

  mysql::Connection writer_conn = OpenMariadbOrDie(url_);
  const unsigned long writer_id = writer_conn.ConnectionId();
  std::future<Status> writer = std::async(std::launch::async, [&] {
    return writer_conn.Run(
        "SET STATEMENT lock_wait_timeout=60 FOR INSERT INTO users (name) VALUES ('writer')");
  });
  ASSERT_TRUE(WaitUntilConnectionIn(writer_id, "STATE", "Waiting for table metadata lock"));
  ASSERT_TRUE(gate.Run("DO RELEASE_LOCK('zs_ddl_gate')").ok());

  Status status = group.get();
  ASSERT_TRUE(status.ok()) << status.ToString();
  Status written = writer.get();
  ASSERT_TRUE(written.ok()) << written.ToString();
  // The writer's row came after the group's last one: it waited for UNLOCK
  // and met the new shape (no trigger, no legacy column), never the half-done one.
  EXPECT_EQ(NamesInOrder(), (std::vector<std::string>{"ada", "group-1", "group-2", "writer"}));
  EXPECT_FALSE(TriggerExists());
  EXPECT_FALSE(ColumnExists("legacy"));
  EXPECT_EQ(runner->attempts_of_last_run(), 1);
}

TEST_F(MariadbRunnerGroupTest, UnlocksAfterAFailingStatement) {
  std::unique_ptr<Runner> runner = MakeUnhurriedRunner(3);
  Status status = runner->RunGroup(
      {Users()}, {"DROP TRIGGER users_legacy", "ALTER TABLE users DROP COLUMN no_such_column",
                  "ALTER TABLE users DROP COLUMN legacy"});
  EXPECT_EQ(mysql::ErrorNumber(status), 1091) << status.ToString();  // can't DROP: no such column
  EXPECT_NE(status.message().find("statement 2 of 3 under LOCK TABLES"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("the 1 before it took effect"), std::string::npos)
      << status.message();
  // Not atomic: the trigger is gone, the column stays.
  EXPECT_FALSE(TriggerExists());
  EXPECT_TRUE(ColumnExists("legacy"));
  // UNLOCK TABLES ran: this session reaches a table outside the group
  // (error 1100 under LOCK TABLES), and another session writes at once.
  EXPECT_TRUE(conn().Run("CREATE TABLE outside (id INT)").ok());
  EXPECT_TRUE(conn().Run("SELECT * FROM outside").ok());
  mysql::Connection writer = OpenMariadbOrDie(url_);
  Status written =
      writer.Run("SET STATEMENT lock_wait_timeout=1 FOR INSERT INTO users (name) VALUES ('after')");
  EXPECT_TRUE(written.ok()) << written.ToString();
}

TEST_F(MariadbRunnerGroupTest, LockTablesIsBoundedRetriedAndNamesTheHolder) {
  mysql::Connection holder = HoldOpenTransaction();
  std::unique_ptr<Runner> runner = MakeFastRunner(3);
  std::vector<int> errors;
  runner->OnRetry(
      [&](int, milliseconds, const Status& error) { errors.push_back(mysql::ErrorNumber(error)); });
  Status status = runner->RunGroup({Users()}, {"DROP TRIGGER users_legacy"});
  EXPECT_EQ(status.code(), Code::kLockTimeout) << status.ToString();
  EXPECT_EQ(runner->attempts_of_last_run(), 3);
  // SET STATEMENT max_statement_time bounds LOCK TABLES itself (1969).
  EXPECT_EQ(errors,
            (std::vector<int>{mysql::errors::kStatementTimeout, mysql::errors::kStatementTimeout}));
  EXPECT_NE(
      status.message().find("is locked by connection " + std::to_string(holder.ConnectionId())),
      std::string::npos)
      << status.message();
  EXPECT_TRUE(TriggerExists());
  // Nothing was locked, so this session is free.
  EXPECT_TRUE(conn().Run("CREATE TABLE outside (id INT)").ok());
  ASSERT_TRUE(holder.Run("ROLLBACK").ok());
}

// The version's view over the group's table, made again across UNLOCK TABLES
// by a second session (RunGroupWithHandover). Another session T queues
// LOCK TABLES users WRITE while the group holds the lock, so that after
// UNLOCK the handover's CREATE OR REPLACE VIEW, or T, still keeps users
// locked when a client comes through the view. With the handover the client
// queues behind the view's new definition; without it (the view made again
// only after the group, as the caller's later turn) the client opens the
// old one, which names the renamed column, and fails with 1356.
class MariadbRunnerHandoverTest : public MariadbRunnerGroupTest {
 protected:
  void SetUp() override {
    MariadbRunnerGroupTest::SetUp();
    version_ = database_ + "_hv";
    ASSERT_TRUE(conn().Run("CREATE DATABASE " + mysql::QuoteIdentifier(version_)).ok());
    ASSERT_TRUE(conn().Run(ViewSql("legacy")).ok());
  }
  void TearDown() override {
    (void)OpenMariadbOrDie(url_).Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(version_));
  }

  // The version's view: `column` of users shown as `label`.
  std::string ViewSql(const std::string& column) const {
    return "CREATE OR REPLACE SQL SECURITY INVOKER VIEW " + mysql::QuoteIdentifier(version_) +
           ".users AS SELECT id, " + mysql::QuoteIdentifier(column) + " AS label FROM " +
           mysql::QuoteIdentifier(database_) + ".users";
  }

  // Renames legacy under the group (stopping at a gate this test holds), with
  // or without handing the view over; a client then updates through the view
  // while T keeps users locked after the group. The client's answer.
  Status ClientThroughTheViewAfterTheGroup(bool hand_over) {
    mysql::Connection gate = OpenMariadbOrDie(url_);
    Result<mysql::Rows> gated = gate.Exec("SELECT GET_LOCK('zs_handover_gate', 0)");
    EXPECT_TRUE(gated.ok() && gated->GetInt(0, 0) == 1);
    std::unique_ptr<Runner> runner = MakeUnhurriedRunner(3);
    auto* mariadb = dynamic_cast<MariadbRunner*>(runner.get());
    mysql::Connection second = OpenMariadbOrDie(url_);
    const unsigned long runner_id = conn().ConnectionId();
    const std::vector<std::string> group_sql = {"ALTER TABLE users RENAME COLUMN legacy TO label",
                                                "DO GET_LOCK('zs_handover_gate', 60)",
                                                "DO RELEASE_LOCK('zs_handover_gate')"};
    std::future<Status> group = std::async(std::launch::async, [&] {
      if (!hand_over) return runner->RunGroup({Users()}, group_sql);
      Status handed = Status::Ok();
      Status status =
          mariadb->RunGroupWithHandover({Users()}, group_sql, second, {ViewSql("label")}, &handed);
      EXPECT_TRUE(handed.ok()) << handed.ToString();
      return status;
    });
    EXPECT_TRUE(WaitUntilConnectionIn(runner_id, "INFO", "GET_LOCK('zs_handover_gate'"));

    mysql::Connection t = OpenMariadbOrDie(url_);
    const unsigned long t_id = t.ConnectionId();
    std::future<Status> t_locked = std::async(std::launch::async, [&] {
      return t.Run("SET STATEMENT lock_wait_timeout=60 FOR LOCK TABLES users WRITE");
    });
    EXPECT_TRUE(WaitUntilConnectionIn(t_id, "STATE", "Waiting for table metadata lock"));
    EXPECT_TRUE(gate.Run("DO RELEASE_LOCK('zs_handover_gate')").ok());
    Status t_status = t_locked.get();  // T holds users now
    EXPECT_TRUE(t_status.ok()) << t_status.ToString();

    mysql::Connection client = OpenMariadbOrDie(url_);
    const unsigned long client_id = client.ConnectionId();
    std::future<Status> written = std::async(std::launch::async, [&] {
      return client.Run("SET STATEMENT lock_wait_timeout=60 FOR UPDATE " +
                        mysql::QuoteIdentifier(version_) + ".users SET label = 'via view'");
    });
    EXPECT_TRUE(WaitUntilConnectionIn(client_id, "STATE", "Waiting for table metadata lock"));
    EXPECT_TRUE(t.Run("UNLOCK TABLES").ok());
    Status status = group.get();
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!hand_over) {
      EXPECT_TRUE(conn().Run(ViewSql("label")).ok());  // the caller's later turn
    }
    return written.get();
  }

  std::string version_;
};

TEST_F(MariadbRunnerHandoverTest, AClientThroughTheViewReadsItsNewDefinition) {
  Status written = ClientThroughTheViewAfterTheGroup(/*hand_over=*/true);
  EXPECT_TRUE(written.ok()) << written.ToString();
  Result<mysql::Rows> rows = OpenMariadbOrDie(url_).Exec("SELECT label FROM users ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0), "via view");
}

TEST_F(MariadbRunnerHandoverTest, WithoutItTheClientReadsTheOldDefinitionAndFails) {
  Status written = ClientThroughTheViewAfterTheGroup(/*hand_over=*/false);
  EXPECT_EQ(mysql::ErrorNumber(written), 1356) << written.ToString();
}

TEST_F(MariadbRunnerHandoverTest, NothingIsHandedOverAfterAFailedStatement) {
  std::unique_ptr<Runner> runner = MakeUnhurriedRunner(3);
  auto* mariadb = dynamic_cast<MariadbRunner*>(runner.get());
  mysql::Connection second = OpenMariadbOrDie(url_);
  Status handed = Status::Ok();
  Status status =
      mariadb->RunGroupWithHandover({Users()}, {"ALTER TABLE users DROP COLUMN no_such_column"},
                                    second, {ViewSql("name")}, &handed);
  EXPECT_EQ(mysql::ErrorNumber(status), 1091) << status.ToString();
  EXPECT_TRUE(handed.ok()) << handed.ToString();
  // The view still shows legacy: no view was made over a half-done group.
  Result<mysql::Rows> rows = OpenMariadbOrDie(url_).Exec(
      "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " +
      mysql::QuoteLiteral(version_) + " AND TABLE_NAME = 'users'");
  ASSERT_TRUE(rows.ok() && rows->size() == 1) << rows.status().ToString();
  EXPECT_NE(rows->Get(0, 0).find("`legacy`"), std::string::npos) << rows->Get(0, 0);
}

}  // namespace
}  // namespace zs::ddl
