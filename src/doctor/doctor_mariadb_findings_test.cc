// zeroshift doctor on a real MariaDB, one test per finding beyond stray
// version databases and triggers (doctor_mariadb_test.cc): a migration
// stopped part-way, leftover `_zs_` columns, the active migration's objects
// without zeroshift's marker, a metadata-lock queue and who holds it, long
// transactions, a trigger under another sql_mode, statement-based binary
// logging. Each finding's test plants the one thing it reports; the fixture's
// NothingStrayNothingFound shows a clean database gives none.
#include <chrono>
#include <thread>

#include "doctor/doctor_mariadb_test_util.h"
#include "servers/mariadb_server.h"

namespace zs::doctor::doctor_mariadb_test {
namespace {

TEST_F(DoctorMariadb, AMigrationStoppedDuringExpandOrCompleteIsReported) {
  InsertMigration("02_nick", state::Step::kStarting);
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto active = OfKind(*report, kActiveMigration);
  ASSERT_EQ(active.size(), 1u) << report->ToText();
  EXPECT_NE(active[0].reason.find("stopped during expand"), std::string::npos) << active[0].reason;
  EXPECT_NE(active[0].reason.find("`zeroshift rollback`"), std::string::npos) << active[0].reason;

  ASSERT_TRUE(state::OpenStateStore(*session_)
                  ->SetStep(database_, "02_nick", state::Step::kCompleting)
                  .ok());
  report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  active = OfKind(*report, kActiveMigration);
  ASSERT_EQ(active.size(), 1u) << report->ToText();
  EXPECT_NE(active[0].reason.find("part-way through complete"), std::string::npos)
      << active[0].reason;
  EXPECT_NE(active[0].reason.find("`zeroshift complete` again"), std::string::npos)
      << active[0].reason;
}

TEST_F(DoctorMariadb, ALeftoverColumnIsFoundAndDroppedButNotTheUsers) {
  Run("ALTER TABLE users ADD COLUMN _zs_name_tmp VARCHAR(100), ADD COLUMN zs_mine INT");
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->findings.size(), 1u) << report->ToText();
  EXPECT_EQ(report->findings[0].kind, kTemporaryColumn);
  EXPECT_EQ(report->findings[0].object,
            mysql::QuoteIdentifier(database_) + ".`users`.`_zs_name_tmp`");
  EXPECT_NE(report->findings[0].fix_sql.find("DROP COLUMN IF EXISTS `_zs_name_tmp`"),
            std::string::npos);
  auto fixed = Fix(*session_, database_, {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_TRUE(fixed->findings.empty()) << fixed->ToText();
  auto left = conn_->Exec(
      "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
      mysql::QuoteLiteral(database_) + " AND TABLE_NAME = 'users'");
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_EQ(left->Get(0, 0), "id,name,first_name,zs_mine");
}

// The marker column the active migration's complete drops is its own; a
// `_zs_` column it does not name is reported, and --fix leaves it while the
// migration works on that table.
TEST_F(DoctorMariadb, TheActiveMigrationsColumnsAreItsOwnOthersAreLeftToIt) {
  InsertMigration("02_nick", state::Step::kActive);
  Run("ALTER TABLE users ADD COLUMN " + mysql::QuoteIdentifier(triggers::MarkerColumnName()) +
      " BOOLEAN NULL, ADD COLUMN _zs_other INT");
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto columns = OfKind(*report, kTemporaryColumn);
  ASSERT_EQ(columns.size(), 1u) << report->ToText();
  EXPECT_NE(columns[0].object.find("`_zs_other`"), std::string::npos) << columns[0].object;
  EXPECT_EQ(columns[0].active_migration, "02_nick");
  auto fixed = Fix(*session_, database_, {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  ASSERT_EQ(fixed->refused.size(), 1u) << fixed->ToText();
  EXPECT_NE(fixed->refused[0].second.find("\"02_nick\" is active"), std::string::npos)
      << fixed->refused[0].second;
  EXPECT_EQ(OfKind(*fixed, kTemporaryColumn).size(), 1u) << fixed->ToText();
}

TEST_F(DoctorMariadb, TheActiveMigrationsVersionDatabaseWithoutTheMarkerIsReported) {
  std::string version = InsertMigration("02_nick", state::Step::kActive);
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(version));  // no zeroshift comment
  auto report = Diagnose(*session_, database_);
  Status dropped = conn_->Run("DROP DATABASE " + mysql::QuoteIdentifier(version));
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto unmarked = OfKind(*report, kUnmarkedObject);
  ASSERT_EQ(unmarked.size(), 1u) << report->ToText();
  EXPECT_EQ(unmarked[0].object, mysql::QuoteIdentifier(version));
  EXPECT_NE(unmarked[0].reason.find("does not carry zeroshift's comment"), std::string::npos)
      << unmarked[0].reason;
  EXPECT_TRUE(unmarked[0].fix_sql.empty());
  // Not also called missing.
  EXPECT_EQ(report->ToText().find("version database of active migration \"02_nick\" (step "
                                  "active) is missing"),
            std::string::npos)
      << report->ToText();
  ASSERT_TRUE(dropped.ok()) << dropped.message();
}

TEST_F(DoctorMariadb, TheActiveMigrationsTriggerReplacedByHandIsReported) {
  InsertMigration("02_nick", state::Step::kActive);
  std::string name = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kInsert);
  Run("CREATE TRIGGER " + mysql::QuoteIdentifier(name) +
      " BEFORE INSERT ON users FOR EACH ROW SET NEW.first_name = NEW.name");
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto unmarked = OfKind(*report, kUnmarkedObject);
  ASSERT_EQ(unmarked.size(), 1u) << report->ToText();
  EXPECT_NE(unmarked[0].object.find(name), std::string::npos) << unmarked[0].object;
  EXPECT_NE(unmarked[0].reason.find("someone replaced it"), std::string::npos)
      << unmarked[0].reason;
  // Its update trigger is simply missing.
  EXPECT_NE(report->ToText().find("dual_write_update"), std::string::npos) << report->ToText();
}

// A connection that holds `users` in an open transaction, so that its
// metadata lock stays taken until Commit.
class OpenTransaction {
 public:
  explicit OpenTransaction(const std::string& url) {
    auto conn = mysql::Connection::Open(*mysql::ParseUrl(url));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    conn_ = std::make_unique<mysql::Connection>(std::move(*conn));
    // MariaDB's default level, as an application runs (zeroshift pins READ
    // COMMITTED, under which InnoDB lists a transaction that only read
    // only while its statement runs).
    EXPECT_TRUE(conn_->Run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ").ok());
    EXPECT_TRUE(conn_->Run("INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')").ok());
    EXPECT_TRUE(conn_->Run("START TRANSACTION WITH CONSISTENT SNAPSHOT").ok());
    EXPECT_TRUE(conn_->Exec("SELECT name FROM users WHERE id = 1").ok());
  }
  unsigned long id() const { return conn_->ConnectionId(); }
  void Commit() { EXPECT_TRUE(conn_->Run("COMMIT").ok()); }

 private:
  std::unique_ptr<mysql::Connection> conn_;
};

// INNODB_TRX is a cache MariaDB refreshes only when nobody has read it for
// 0.1 s: whether it shows connection `id`'s transaction, asked (with pauses
// longer than that) until it does; doctor reads the same cache right after.
bool ListedInInnodbTrx(mysql::Connection& conn, unsigned long id) {
  for (int i = 0; i < 100; ++i) {
    auto rows =
        conn.Exec("SELECT 1 FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = " +
                  std::to_string(id));
    if (rows.ok() && !rows->empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  return false;
}

TEST_F(DoctorMariadb, AMetadataLockQueueIsReportedWithWhoHoldsIt) {
  OpenTransaction holder(url_);
  ASSERT_TRUE(ListedInInnodbTrx(*conn_, holder.id()));
  auto waiter_conn = mysql::Connection::Open(*mysql::ParseUrl(url_));
  ASSERT_TRUE(waiter_conn.ok()) << waiter_conn.status().message();
  unsigned long waiter_id = waiter_conn->ConnectionId();
  Status altered;
  std::thread waiter([&] {
    (void)waiter_conn->Run("SET SESSION lock_wait_timeout = 60");
    altered = waiter_conn->Run("ALTER TABLE users ADD COLUMN waited INT");
  });
  // Until the ALTER is in the queue (event-ordered: its state, not a delay).
  bool queued = false;
  for (int i = 0; i < 2000 && !queued; ++i) {
    auto rows = conn_->Exec(
        "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = " + std::to_string(waiter_id) +
        " AND STATE = 'Waiting for table metadata lock'");
    queued = rows.ok() && !rows->empty();
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Result<Report> report = queued ? Diagnose(*session_, database_) : Internal("never queued");
  holder.Commit();
  waiter.join();
  ASSERT_TRUE(queued);
  EXPECT_TRUE(altered.ok()) << altered.message();
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto queue = OfKind(*report, kMetadataLockQueue);
  ASSERT_EQ(queue.size(), 1u) << report->ToText();
  EXPECT_EQ(queue[0].object, "connection " + std::to_string(waiter_id));
  EXPECT_NE(queue[0].reason.find("ALTER TABLE users ADD COLUMN waited"), std::string::npos)
      << queue[0].reason;
  EXPECT_NE(queue[0].reason.find("connection " + std::to_string(holder.id())), std::string::npos)
      << queue[0].reason;
  EXPECT_NE(queue[0].reason.find("KILL " + std::to_string(holder.id())), std::string::npos)
      << queue[0].reason;
  // Gone with the queue.
  auto after = Diagnose(*session_, database_);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_TRUE(OfKind(*after, kMetadataLockQueue).empty()) << after->ToText();
}

TEST_F(DoctorMariadb, ALongTransactionIsReported) {
  // From 0 s on, so that the test does not wait for a clock.
  MariadbDoctorOptions from_now{.long_transaction_s = 0};
  auto before = MariadbDiagnose(*session_, database_, from_now);
  ASSERT_TRUE(before.ok()) << before.status().message();
  OpenTransaction holder(url_);
  std::string connection = "connection " + std::to_string(holder.id());
  ASSERT_TRUE(ListedInInnodbTrx(*conn_, holder.id()));
  auto report = MariadbDiagnose(*session_, database_, from_now);
  holder.Commit();
  ASSERT_TRUE(report.ok()) << report.status().message();
  for (const auto& finding : OfKind(*before, kLongTransaction)) {
    EXPECT_NE(finding.object, connection);
  }
  bool named = false;
  for (const auto& finding : OfKind(*report, kLongTransaction)) {
    if (finding.object != connection) continue;
    named = true;
    EXPECT_NE(finding.reason.find("KILL " + std::to_string(holder.id())), std::string::npos)
        << finding.reason;
  }
  EXPECT_TRUE(named) << report->ToText();
}

TEST_F(DoctorMariadb, ATriggerCreatedUnderAnotherSqlModeIsReported) {
  CreateZeroshiftTrigger("STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION");
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  auto settings = OfKind(*report, kServerSetting);
  ASSERT_EQ(settings.size(), 1u) << report->ToText();
  EXPECT_NE(settings[0].object.find("dual_write_update"), std::string::npos) << settings[0].object;
  EXPECT_NE(settings[0].reason.find("'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"),
            std::string::npos)
      << settings[0].reason;
}

// On a server of its own: the binary log cannot be turned on at run time.
TEST(DoctorMariadbServer, StatementBasedBinaryLoggingIsReported) {
  auto server = servers::MariadbServer::Start(
      {.server_args = {"--log-bin", "--server-id=1", "--binlog-format=STATEMENT"}});
  ASSERT_TRUE(server.ok()) << server.status().message();
  auto url = (*server)->CreateDatabase("app");
  ASSERT_TRUE(url.ok()) << url.status().message();
  auto backend = backend::MariadbBackendForUrl(*url);
  ASSERT_TRUE(backend.ok()) << backend.status().message();
  auto session = (*backend)->Connect(*url);
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto report = Diagnose(**session, "app");
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->findings.size(), 1u) << report->ToText();
  EXPECT_EQ(report->findings[0].kind, kServerSetting);
  EXPECT_EQ(report->findings[0].object, "binlog_format");
  EXPECT_NE(report->findings[0].reason.find("SET GLOBAL binlog_format = 'MIXED'"),
            std::string::npos);
  ASSERT_TRUE(backend::MariadbConnection(**session).Run("SET GLOBAL binlog_format = 'MIXED'").ok());
  report = Diagnose(**session, "app");
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->findings.empty()) << report->ToText();
}

}  // namespace
}  // namespace zs::doctor::doctor_mariadb_test
