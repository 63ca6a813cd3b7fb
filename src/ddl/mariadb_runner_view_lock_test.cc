// The view gap of complete's group (MariadbRunner::RunGroupWithHandover with
// views): a client of the new version that comes through the version's view
// while the group renames a column the view names. A MariaDB statement reads
// a view's definition when it opens the view, before it waits for the
// table's metadata lock, and keeps that definition across the wait: one that
// waited for the group's table read the old definition and failed with 1356
// once the group was done, even with the view handed over. Locking the view
// first (and the table through it) makes the client wait at the view, before
// it reads the definition, so it reads the handed-over one. Event-ordered on
// PROCESSLIST states, no sleeps.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "backend/mariadb_backend.h"
#include "ddl/mariadb_runner.h"
#include "testing/shared_mariadb.h"

namespace zs::ddl {
namespace {

using std::chrono::milliseconds;

mysql::Connection ViewLockOpen(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

class MariadbRunnerViewLockTest : public ::testing::Test {
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
    version_ = database_ + "_vl";
    for (const std::string& sql :
         {std::string("CREATE TABLE users (id INT PRIMARY KEY, legacy VARCHAR(50))"),
          std::string("INSERT INTO users VALUES (1, 'ada')"),
          "CREATE DATABASE " + mysql::QuoteIdentifier(version_), ViewSql("legacy")}) {
      ASSERT_TRUE(conn().Run(sql).ok()) << sql;
    }
  }
  void TearDown() override {
    (void)ViewLockOpen(url_).Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(version_));
  }

  mysql::Connection& conn() { return backend::MariadbConnection(*session_); }

  // The version's view: `column` of users shown as `label`.
  std::string ViewSql(const std::string& column) const {
    return "CREATE OR REPLACE SQL SECURITY INVOKER VIEW " + mysql::QuoteIdentifier(version_) +
           ".users AS SELECT id, " + mysql::QuoteIdentifier(column) + " AS label FROM " +
           mysql::QuoteIdentifier(database_) + ".users";
  }

  // Connection `id` runs a statement whose `column` contains `what`; false
  // after about 30 s.
  bool WaitUntilIn(unsigned long id, const std::string& column, const std::string& what) {
    mysql::Connection observer = ViewLockOpen(url_);
    const std::string sql =
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + std::to_string(id) +
        " AND " + column + " LIKE " + mysql::QuoteLiteral("%" + what + "%");
    for (int i = 0; i < 3000; ++i) {
      Result<mysql::Rows> rows = observer.Exec(sql);
      if (rows.ok() && rows->GetInt(0, 0) > 0) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  // The group renames legacy to label and hands the view over (locking the
  // view first when `lock_view`). The client updates through the view at
  // the moment `client_comes` says: while the group's LOCK TABLES waits
  // behind an open transaction, or while the group holds its lock (stopped
  // at a gate). Returns the client's answer; the group must succeed.
  enum class ClientComes { kWhileTheLockWaits, kWhileTheGroupRuns };
  Status ClientDuringTheGroup(bool lock_view, ClientComes client_comes) {
    const bool waits = client_comes == ClientComes::kWhileTheLockWaits;
    mysql::Connection holder = ViewLockOpen(url_);
    mysql::Connection gate = ViewLockOpen(url_);
    if (waits) {
      EXPECT_TRUE(holder.Run("BEGIN").ok());
      EXPECT_TRUE(holder.Run("SELECT * FROM users").ok());  // the table's metadata lock
    } else {
      Result<mysql::Rows> gated = gate.Exec("SELECT GET_LOCK('zs_view_lock_gate', 0)");
      EXPECT_TRUE(gated.ok() && gated->GetInt(0, 0) == 1);
    }
    RetryPolicy policy{.lock_timeout = milliseconds(60000),
                       .max_attempts = 2,
                       .initial_backoff = milliseconds(20),
                       .max_backoff = milliseconds(100)};
    MariadbRunner runner(*session_, policy);
    mysql::Connection second = ViewLockOpen(url_);
    const unsigned long runner_id = conn().ConnectionId();
    std::vector<std::string> group_sql = {"ALTER TABLE users RENAME COLUMN legacy TO label"};
    if (!waits) group_sql.push_back("DO GET_LOCK('zs_view_lock_gate', 60)");
    std::vector<TableRef> views;
    if (lock_view) views.push_back({.schema = version_, .name = "users"});
    std::future<Status> group = std::async(std::launch::async, [&] {
      Status handed = Status::Ok();
      Status status =
          runner.RunGroupWithHandover({{.schema = database_, .name = "users"}}, group_sql, second,
                                      {ViewSql("label")}, views, &handed);
      EXPECT_TRUE(handed.ok()) << handed.ToString();
      return status;
    });
    if (waits) {
      EXPECT_TRUE(WaitUntilIn(runner_id, "STATE", "Waiting for table metadata lock"));
    } else {
      EXPECT_TRUE(WaitUntilIn(runner_id, "INFO", "GET_LOCK('zs_view_lock_gate'"));
    }
    mysql::Connection client = ViewLockOpen(url_);
    const unsigned long client_id = client.ConnectionId();
    std::future<Status> written = std::async(std::launch::async, [&] {
      return client.Run("SET STATEMENT lock_wait_timeout=60 FOR UPDATE " +
                        mysql::QuoteIdentifier(version_) + ".users SET label = 'via view'");
    });
    EXPECT_TRUE(WaitUntilIn(client_id, "STATE", "Waiting for table metadata lock"));
    if (waits) {
      EXPECT_TRUE(holder.Run("ROLLBACK").ok());
    } else {
      EXPECT_TRUE(gate.Run("DO RELEASE_LOCK('zs_view_lock_gate')").ok());
    }
    Status status = group.get();
    EXPECT_TRUE(status.ok()) << status.ToString();
    return written.get();
  }

  // A group adding a column, locking the view, handing the view over label.
  Status RunAddColumnGroup() {
    MariadbRunner runner(*session_, RetryPolicy{.lock_timeout = milliseconds(60000),
                                                .max_attempts = 2,
                                                .initial_backoff = milliseconds(20),
                                                .max_backoff = milliseconds(100)});
    mysql::Connection second = ViewLockOpen(url_);
    Status handed = Status::Ok();
    Status status = runner.RunGroupWithHandover(
        {{.schema = database_, .name = "users"}},
        {"ALTER TABLE users ADD COLUMN IF NOT EXISTS n INT"}, second, {ViewSql("label")},
        {{.schema = version_, .name = "users"}}, &handed);
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(handed.ok()) << handed.ToString();
    return status;
  }

  std::string Label() {
    Result<mysql::Rows> rows = ViewLockOpen(url_).Exec("SELECT label FROM users WHERE id = 1");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "<none>";
  }

  std::string url_;
  std::string database_;
  std::string version_;
  std::unique_ptr<backend::Session> session_;
};

TEST_F(MariadbRunnerViewLockTest, AClientThatCameWhileTheLockWaitedReadsTheNewView) {
  Status written = ClientDuringTheGroup(/*lock_view=*/true, ClientComes::kWhileTheLockWaits);
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(Label(), "via view");
}

TEST_F(MariadbRunnerViewLockTest, AClientThatCameWhileTheGroupRanReadsTheNewView) {
  Status written = ClientDuringTheGroup(/*lock_view=*/true, ClientComes::kWhileTheGroupRuns);
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(Label(), "via view");
}

// Why: the table's lock alone lets the client read the old definition first.
TEST_F(MariadbRunnerViewLockTest, LockingOnlyTheTableTheWaitingClientFailsWith1356) {
  Status written = ClientDuringTheGroup(/*lock_view=*/false, ClientComes::kWhileTheLockWaits);
  EXPECT_EQ(mysql::ErrorNumber(written), 1356) << written.ToString();
}

TEST_F(MariadbRunnerViewLockTest, LockingOnlyTheTableTheClientDuringTheGroupFailsWith1356) {
  Status written = ClientDuringTheGroup(/*lock_view=*/false, ClientComes::kWhileTheGroupRuns);
  EXPECT_EQ(mysql::ErrorNumber(written), 1356) << written.ToString();
}

// A view killed group left naming a column that is gone (renamed before
// the handover) still locks its table (measured: LOCK TABLES does not check
// the view's columns), so the group runs again and the handover mends it.
TEST_F(MariadbRunnerViewLockTest, AViewNamingAGoneColumnStillLocksItsTable) {
  ASSERT_TRUE(conn().Run("ALTER TABLE users RENAME COLUMN legacy TO label").ok());
  EXPECT_TRUE(RunAddColumnGroup().ok());
  Status through = ViewLockOpen(url_).Run("UPDATE " + mysql::QuoteIdentifier(version_) +
                                          ".users SET label = 'via view'");
  EXPECT_TRUE(through.ok()) << through.ToString();
}

// A view that does not reach the group's table (here: over another table)
// leaves the group to the table's own lock, as without views.
TEST_F(MariadbRunnerViewLockTest, AViewNotOverTheTableLeavesTheTableLock) {
  ASSERT_TRUE(conn().Run("CREATE TABLE other (id INT PRIMARY KEY, label INT)").ok());
  ASSERT_TRUE(conn()
                  .Run("CREATE OR REPLACE VIEW " + mysql::QuoteIdentifier(version_) +
                       ".users AS SELECT id, label FROM other")
                  .ok());
  ASSERT_TRUE(conn().Run("ALTER TABLE users RENAME COLUMN legacy TO label").ok());
  EXPECT_TRUE(RunAddColumnGroup().ok());
  EXPECT_EQ(Label(), "ada");
}
}  // namespace
}  // namespace zs::ddl
