#include "backend/mariadb_backend.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "servers/mariadb_server.h"
#include "testing/shared_mariadb.h"

namespace zs::backend {
namespace {

constexpr char kSecret[] = "s3cretPw";

mysql::Connection OpenOrDie(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

std::unique_ptr<MariadbSession> SessionOrDie(const std::string& url) {
  return std::make_unique<MariadbSession>(OpenOrDie(url));
}

// The database a test URL selects.
std::string DatabaseOf(const std::string& url) { return url.substr(url.rfind('/') + 1); }

// ---- Without a server ----------------------------------------------------------

TEST(MariadbBackendTest, NameCapabilitiesQuotingAndLimits) {
  const MariadbBackend& backend = Mariadb();
  EXPECT_EQ(backend.Name(), "MariaDB");
  Capabilities caps = backend.capabilities();
  EXPECT_FALSE(caps.transactional_ddl);
  EXPECT_FALSE(caps.not_valid_constraints);
  EXPECT_TRUE(caps.concurrent_index_build);
  EXPECT_FALSE(caps.schemas_as_version_namespaces);
  EXPECT_EQ(backend.QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(backend.QuoteLiteral("it's \\"), "'it\\'s \\\\'");
  EXPECT_EQ(backend.MaxIdentifierBytes(), 64u);
}

TEST(MariadbBackendTest, ForUrlAndSelectBackendAcceptMariadbAndMysql) {
  for (const std::string scheme : {"mariadb", "mysql", "MariaDB", "MYSQL"}) {
    std::string url = scheme + "://app:" + kSecret + "@db.example:3306/app";
    Result<const Backend*> backend = MariadbBackendForUrl(url);
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    EXPECT_EQ(*backend, &Mariadb());
    Result<const Backend*> selected = SelectBackend(url);
    ASSERT_TRUE(selected.ok()) << selected.status().ToString();
    EXPECT_EQ(*selected, &Mariadb());
  }
  for (const std::string& url : {std::string("postgres://app:") + kSecret + "@h/app",
                                 std::string("host=h password=") + kSecret, std::string("")}) {
    Result<const Backend*> backend = MariadbBackendForUrl(url);
    ASSERT_FALSE(backend.ok()) << url;
    EXPECT_EQ(backend.status().code(), Code::kInvalidInput);
    EXPECT_EQ(backend.status().message().find(kSecret), std::string::npos);
  }
}

TEST(MariadbBackendTest, ClassifiesByErrorNumber) {
  auto error = [](int number) {
    return Status(Code::kDatabase, "boom (MariaDB error " + std::to_string(number) + ")", "HY000");
  };
  const MariadbBackend& backend = Mariadb();
  EXPECT_EQ(backend.Classify(error(1205)), ErrorClass::kLockTimeout);
  EXPECT_EQ(backend.Classify(error(1213)), ErrorClass::kDeadlock);
  EXPECT_EQ(backend.Classify(error(1969)), ErrorClass::kStatementTimeout);
  for (int number : {1007, 1050, 1060, 1061, 1359, 1826}) {
    EXPECT_EQ(backend.Classify(error(number)), ErrorClass::kDuplicateObject) << number;
  }
  EXPECT_EQ(backend.Classify(error(1062)), ErrorClass::kOther);  // a duplicate row, as PG 23505
  EXPECT_EQ(backend.Classify(error(1054)), ErrorClass::kUndefinedColumn);
  for (int number : {1044, 1142, 1143, 1227}) {
    EXPECT_EQ(backend.Classify(error(number)), ErrorClass::kInsufficientPrivilege) << number;
  }
  EXPECT_EQ(backend.Classify(error(1048)), ErrorClass::kNotNullViolation);
  EXPECT_EQ(backend.Classify(error(1364)), ErrorClass::kNotNullViolation);
  EXPECT_EQ(backend.Classify(error(1064)), ErrorClass::kOther);
  EXPECT_EQ(backend.Classify(error(1205).WithContext("altering t")), ErrorClass::kLockTimeout);
  EXPECT_EQ(backend.Classify(Status::Ok()), ErrorClass::kOther);
  // A PostgreSQL SQLSTATE means nothing here.
  EXPECT_EQ(backend.Classify(Status(Code::kDatabase, "x", "55P03")), ErrorClass::kOther);
}

TEST(MariadbBackendTest, SchemaLockNamesFitMysqlsLimit) {
  EXPECT_EQ(MariadbSchemaLockName("app"), "zeroshift:app");
  std::string longest = std::string(64, 'x');
  std::string name = MariadbSchemaLockName(longest);
  EXPECT_LE(name.size(), 64u);
  EXPECT_EQ(name.rfind("zeroshift:#", 0), 0u);
  EXPECT_NE(name, MariadbSchemaLockName(std::string(64, 'y')));
  EXPECT_EQ(name, MariadbSchemaLockName(longest));
}

// ---- Real errors, classified ------------------------------------------------------

class MariadbBackendServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshMariadbDatabaseUrl();
    mysql::Connection setup = OpenOrDie(url_);
    ASSERT_TRUE(setup.Run("CREATE TABLE t (id INT PRIMARY KEY, v INT)").ok());
    ASSERT_TRUE(setup.Run("INSERT INTO t VALUES (1, 0), (2, 0)").ok());
  }
  ErrorClass ClassOf(const Status& status) { return Mariadb().Classify(status); }

  std::string url_;
};

TEST_F(MariadbBackendServerTest, ARowLockWaitTimeoutIsALockTimeout) {
  mysql::Connection holder = OpenOrDie(url_);
  mysql::Connection waiter = OpenOrDie(url_);
  ASSERT_TRUE(holder.Run("BEGIN").ok());
  ASSERT_TRUE(holder.Run("UPDATE t SET v = 1 WHERE id = 1").ok());
  Status status =
      waiter.Run("SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE t SET v = 2 WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(status), mysql::errors::kLockWaitTimeout) << status.ToString();
  EXPECT_EQ(ClassOf(status), ErrorClass::kLockTimeout);
  EXPECT_TRUE(IsLockFailure(ClassOf(status)));
}

TEST_F(MariadbBackendServerTest, AMetadataLockWaitIsBoundedAndClassified) {
  mysql::Connection reader = OpenOrDie(url_);
  mysql::Connection ddl = OpenOrDie(url_);
  ASSERT_TRUE(reader.Run("BEGIN").ok());
  ASSERT_TRUE(reader.Run("SELECT * FROM t WHERE id = 1").ok());  // holds MDL_SHARED_READ

  Status whole_seconds = ddl.Run(
      "SET STATEMENT lock_wait_timeout = 1 FOR ALTER TABLE t "
      "ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE");
  EXPECT_EQ(mysql::ErrorNumber(whole_seconds), mysql::errors::kLockWaitTimeout)
      << whole_seconds.ToString();
  EXPECT_EQ(ClassOf(whole_seconds), ErrorClass::kLockTimeout);

  auto begin = std::chrono::steady_clock::now();
  Status sub_second = ddl.Run(
      "SET STATEMENT max_statement_time = 0.3 FOR ALTER TABLE t "
      "ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE");
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(mysql::ErrorNumber(sub_second), mysql::errors::kStatementTimeout)
      << sub_second.ToString();
  EXPECT_EQ(ClassOf(sub_second), ErrorClass::kStatementTimeout);
  EXPECT_LT(waited, 0.9);
  ASSERT_TRUE(reader.Run("COMMIT").ok());
  EXPECT_TRUE(ddl.Run("ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE").ok());
}

TEST_F(MariadbBackendServerTest, ARealDeadlockIsClassified) {
  mysql::Connection first = OpenOrDie(url_);
  mysql::Connection second = OpenOrDie(url_);
  ASSERT_TRUE(first.Run("BEGIN").ok());
  ASSERT_TRUE(second.Run("BEGIN").ok());
  ASSERT_TRUE(first.Run("UPDATE t SET v = 1 WHERE id = 1").ok());
  ASSERT_TRUE(second.Run("UPDATE t SET v = 1 WHERE id = 2").ok());
  // first waits for row 2; second then asks for row 1 and closes the cycle.
  std::future<Status> first_waits = std::async(
      std::launch::async, [&first] { return first.Run("UPDATE t SET v = 2 WHERE id = 2"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Status second_status = second.Run("UPDATE t SET v = 2 WHERE id = 1");
  if (second_status.ok()) (void)second.Run("COMMIT");
  Status first_status = first_waits.get();
  const Status& victim = second_status.ok() ? first_status : second_status;
  EXPECT_FALSE(first_status.ok() && second_status.ok());
  EXPECT_EQ(mysql::ErrorNumber(victim), mysql::errors::kDeadlock) << victim.ToString();
  EXPECT_EQ(victim.sqlstate(), "40001");
  EXPECT_EQ(ClassOf(victim), ErrorClass::kDeadlock);
}

TEST_F(MariadbBackendServerTest, DuplicatesAndUnknownColumnsAreClassified) {
  mysql::Connection conn = OpenOrDie(url_);
  EXPECT_EQ(ClassOf(conn.Run("CREATE TABLE t (id INT)")), ErrorClass::kDuplicateObject);
  EXPECT_EQ(ClassOf(conn.Run("ALTER TABLE t ADD COLUMN v INT")), ErrorClass::kDuplicateObject);
  EXPECT_EQ(ClassOf(conn.Run("UPDATE t SET nope = 1")), ErrorClass::kUndefinedColumn);
  EXPECT_EQ(ClassOf(conn.Run("INSERT INTO t (id, v) VALUES (NULL, 1)")),
            ErrorClass::kNotNullViolation);
  EXPECT_EQ(ClassOf(conn.Run("INSERT INTO t VALUES (1, 1)")), ErrorClass::kOther);  // 1062
}

// ---- Sessions: the advisory lock and lock holders ---------------------------------

TEST_F(MariadbBackendServerTest, TheSchemaLockExcludesASecondSessionUntilTheFirstDisconnects) {
  const std::string schema = DatabaseOf(url_);
  Result<std::unique_ptr<Session>> first = Mariadb().Connect(url_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::unique_ptr<MariadbSession> second = SessionOrDie(url_);
  unsigned long first_id = static_cast<MariadbSession&>(**first).connection().ConnectionId();

  ASSERT_TRUE((*first)->AcquireSchemaLock(schema).ok());
  EXPECT_TRUE((*first)->AcquireSchemaLock(schema).ok()) << "re-entrant for its holder";
  Result<std::optional<std::string>> own = (*first)->SchemaLockHolder(schema);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_FALSE(own->has_value()) << **own;

  Status refused = second->AcquireSchemaLock(schema);
  EXPECT_EQ(refused.code(), Code::kConflict) << refused.ToString();
  EXPECT_NE(refused.message().find("connection " + std::to_string(first_id)), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find(schema), std::string::npos);
  Result<std::optional<std::string>> holder = second->SchemaLockHolder(schema);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE(holder->has_value());
  EXPECT_EQ((*holder)->rfind("connection " + std::to_string(first_id), 0), 0u) << **holder;

  // Another database's lock is independent.
  EXPECT_TRUE(second->AcquireSchemaLock(schema + "_other").ok());

  // Ending the session frees the lock before it returns: the server frees a
  // closed connection's locks only some time later, and a command run right
  // after another one exited found the lock still held.
  first->reset();
  Result<mysql::Rows> used = second->connection().Exec(
      "SELECT IS_USED_LOCK(" + mysql::QuoteLiteral(MariadbSchemaLockName(schema)) + ") IS NULL");
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(used->Get(0, 0), "1") << "the lock outlived its session";
  EXPECT_TRUE(second->AcquireSchemaLock(schema).ok());
  Result<std::optional<std::string>> after = second->SchemaLockHolder(schema);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_F(MariadbBackendServerTest, WithoutThePluginLockHoldersAreTheOpenTransactions) {
  const std::string schema = DatabaseOf(url_);
  std::unique_ptr<MariadbSession> session = SessionOrDie(url_);
  mysql::Connection reader = OpenOrDie(url_);
  ASSERT_TRUE(reader.Run("BEGIN").ok());
  ASSERT_TRUE(reader.Run("SELECT * FROM t FOR UPDATE").ok());

  Result<std::vector<LockHolder>> holders = session->LockHolders(schema, "t");
  ASSERT_TRUE(holders.ok()) << holders.status().ToString();
  ASSERT_EQ(holders->size(), 1u);
  const LockHolder& holder = holders->front();
  EXPECT_EQ(static_cast<unsigned long>(holder.session_id), reader.ConnectionId());
  EXPECT_EQ(holder.kind, "Sleep");
  EXPECT_EQ(holder.state, "idle in transaction");
  EXPECT_GE(holder.transaction_s, 0);
  EXPECT_EQ(holder.holds, "");  // the server cannot say without the plugin
  EXPECT_EQ(holder.application.rfind("root@", 0), 0u) << holder.application;
  std::string text = session->DescribeLockHolders(*holders);
  EXPECT_NE(text.find("connection " + std::to_string(reader.ConnectionId())), std::string::npos)
      << text;
  // PROCESSLIST shows only a running statement, not an idle session's last one.
  EXPECT_EQ(holder.query, "");
  EXPECT_NE(text.find("idle in transaction"), std::string::npos) << text;

  Result<std::vector<LockHolder>> missing = session->LockHolders(schema, "no_such_table");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST(MariadbBackendPluginTest, WithThePluginLockHoldersAreExactlyTheTablesHolders) {
  Result<std::unique_ptr<servers::MariadbServer>> server =
      servers::MariadbServer::Start({.server_args = {"--plugin-load-add=metadata_lock_info"}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Result<std::string> url = (*server)->CreateDatabase("app");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  mysql::Connection setup = OpenOrDie(*url);
  ASSERT_TRUE(setup.Run("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  ASSERT_TRUE(setup.Run("CREATE TABLE other (id INT PRIMARY KEY)").ok());

  mysql::Connection reader = OpenOrDie(*url);
  ASSERT_TRUE(reader.Run("BEGIN").ok());
  ASSERT_TRUE(reader.Run("SELECT * FROM t").ok());
  mysql::Connection bystander = OpenOrDie(*url);  // a transaction on another table
  ASSERT_TRUE(bystander.Run("BEGIN").ok());
  ASSERT_TRUE(bystander.Run("SELECT * FROM other").ok());

  // A queued ALTER (it holds MDL_SHARED_UPGRADABLE while it waits) is no holder.
  mysql::Connection ddl = OpenOrDie(*url);
  std::future<Status> queued = std::async(std::launch::async, [&ddl] {
    return ddl.Run("SET STATEMENT max_statement_time = 2 FOR ALTER TABLE t ADD COLUMN c INT");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::unique_ptr<MariadbSession> session = SessionOrDie(*url);
  Result<std::vector<LockHolder>> holders = session->LockHolders("app", "t");
  ASSERT_TRUE(holders.ok()) << holders.status().ToString();
  ASSERT_EQ(holders->size(), 1u);
  EXPECT_EQ(static_cast<unsigned long>(holders->front().session_id), reader.ConnectionId());
  EXPECT_NE(holders->front().holds.find("MDL_SHARED_READ"), std::string::npos)
      << holders->front().holds;
  EXPECT_EQ(holders->front().state, "idle in transaction");
  std::string text = session->DescribeLockHolders(*holders);
  EXPECT_NE(text.find("holds MDL_SHARED_READ"), std::string::npos) << text;
  Status timed_out = queued.get();
  EXPECT_EQ(Mariadb().Classify(timed_out), ErrorClass::kStatementTimeout) << timed_out.ToString();
}

TEST(MariadbBackendDescribeTest, NamesTheFirstThreeThenCounts) {
  std::vector<LockHolder> holders;
  for (int i = 1; i <= 5; ++i) {
    holders.push_back(LockHolder{.session_id = i,
                                 .kind = "Sleep",
                                 .application = "app@10.0.0.1:5000",
                                 .state = "idle in transaction",
                                 .transaction_s = 12,
                                 .holds = "",
                                 .query = ""});
  }
  mysql::Connection unused = OpenOrDie(testing::SharedMariadbServer().Url());
  MariadbSession session(std::move(unused));
  std::string text = session.DescribeLockHolders(holders);
  EXPECT_EQ(text.rfind("connection 1 (app@10.0.0.1:5000, idle in transaction, transaction open "
                       "for 12 s)",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("connection 3"), std::string::npos);
  EXPECT_EQ(text.find("connection 4"), std::string::npos);
  EXPECT_NE(text.find("and 2 more"), std::string::npos) << text;
}

TEST(MariadbBackendConnectTest, APasswordNeverAppearsInAConnectError) {
  servers::MariadbServer& server = testing::SharedMariadbServer();
  for (const std::string& url :
       {"mariadb://root:" + std::string(kSecret) + "@127.0.0.1:" + std::to_string(server.port()) +
            "/",
        "mariadb://root:" + std::string(kSecret) + "@bad-host.invalid/app"}) {
    Result<std::unique_ptr<Session>> session = Mariadb().Connect(url);
    ASSERT_FALSE(session.ok()) << url;
    EXPECT_EQ(session.status().ToString().find(kSecret), std::string::npos)
        << session.status().ToString();
  }
}

}  // namespace
}  // namespace zs::backend
