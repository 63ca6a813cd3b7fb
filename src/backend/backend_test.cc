#include "backend/backend.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "pg/errors.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backend {
namespace {

constexpr char kSecret[] = "s3cretPw";

// ---- Choosing the backend from the URL ---------------------------------------

TEST(BackendSelectTest, PostgresUrlsKeyValueStringsAndTheEnvironmentGivePostgres) {
  for (const std::string& conninfo :
       {std::string("postgres://app:") + kSecret + "@db.example/app",
        std::string("postgresql://localhost/app?sslmode=disable"), std::string("postgresql://"),
        std::string("host=/tmp dbname=app password=") + kSecret, std::string("  dbname = app"),
        std::string(""), std::string("   ")}) {
    Result<const Backend*> backend = SelectBackend(conninfo);
    ASSERT_TRUE(backend.ok()) << conninfo << ": " << backend.status().ToString();
    EXPECT_EQ((*backend)->Name(), "PostgreSQL") << conninfo;
    EXPECT_EQ(*backend, &Postgres());
  }
}

TEST(BackendSelectTest, MariadbAndMysqlUrlsGiveMariadbInAnyCase) {
  for (const std::string scheme : {"mariadb", "mysql", "MariaDB", "MYSQL"}) {
    std::string conninfo = scheme + "://app:" + kSecret + "@db.example:3306/app";
    Result<const Backend*> backend = SelectBackend(conninfo);
    ASSERT_TRUE(backend.ok()) << conninfo << ": " << backend.status().ToString();
    EXPECT_EQ((*backend)->kind(), Kind::kMariadb) << conninfo;
    EXPECT_EQ(*backend, &Mariadb());
  }
  Result<const Backend*> socket = SelectBackend("mariadb://root@localhost/app?socket=/tmp/s.sock");
  ASSERT_TRUE(socket.ok()) << socket.status().ToString();
  EXPECT_EQ((*socket)->kind(), Kind::kMariadb);
}

TEST(BackendSelectTest, OtherSchemesAreRefusedNamingTheAcceptedOnes) {
  for (const std::string scheme : {"http", "redis", "POSTGRES", "sqlite"}) {
    std::string conninfo = scheme + "://app:" + kSecret + "@db.example/app";
    Result<const Backend*> backend = SelectBackend(conninfo);
    ASSERT_FALSE(backend.ok()) << conninfo;
    const std::string& message = backend.status().message();
    EXPECT_EQ(backend.status().code(), Code::kInvalidInput);
    EXPECT_NE(message.find("unknown connection URL scheme \"" + scheme + "://\""),
              std::string::npos)
        << message;
    for (const char* accepted : {"postgres://", "postgresql://", "key=value", "mariadb://"}) {
      EXPECT_NE(message.find(accepted), std::string::npos) << accepted << " in " << message;
    }
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
  }
}

TEST(BackendSelectTest, NeitherUrlNorKeyValueIsRefusedWithoutEchoingIt) {
  for (const std::string& conninfo :
       {std::string("app:") + kSecret + "@db.example", std::string(kSecret),
        std::string("jdbc:postgresql://db.example/app?password=") + kSecret,
        std::string("://") + kSecret}) {
    Result<const Backend*> backend = SelectBackend(conninfo);
    ASSERT_FALSE(backend.ok()) << conninfo;
    const std::string& message = backend.status().message();
    EXPECT_NE(message.find("neither a URL nor a key=value string"), std::string::npos) << message;
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
  }
}

// Commands that connect through the engine. Nothing listens on port 1, so
// the MariaDB backend's connection fails, and its message must not carry the
// password.
TEST(BackendSelectTest, TheCliConnectsToAMariadbUrlWithMariadbWithoutPrintingThePassword) {
  std::string url = std::string("mariadb://app:") + kSecret + "@127.0.0.1:1/app";
  for (const char* command : {"init", "status"}) {
    zs::testing::ProcessRun run = zs::testing::RunBinary({"--url", url, command});
    EXPECT_EQ(run.exit_code, 1) << command << ": " << run.err;
    EXPECT_EQ(run.err.find("no MariaDB backend"), std::string::npos) << command << run.err;
    EXPECT_EQ(run.err.find("libpq"), std::string::npos) << command << run.err;
    EXPECT_EQ(run.err.find(kSecret), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find(kSecret), std::string::npos) << run.out;
  }
}

// ---- Error classes: PostgreSQL's mapping -------------------------------------

TEST(BackendClassifyTest, MapsEachSqlstateToItsClass) {
  const std::vector<std::pair<const char*, ErrorClass>> cases = {
      {"55P03", ErrorClass::kLockTimeout},
      {"40P01", ErrorClass::kDeadlock},
      {"57014", ErrorClass::kStatementTimeout},
      {"40001", ErrorClass::kSerializationFailure},
      {"42P07", ErrorClass::kDuplicateObject},
      {"42710", ErrorClass::kDuplicateObject},
      {"42701", ErrorClass::kDuplicateObject},
      {"42723", ErrorClass::kDuplicateObject},
      {"42P06", ErrorClass::kDuplicateObject},
      {"42703", ErrorClass::kUndefinedColumn},
      {"42501", ErrorClass::kInsufficientPrivilege},
      {"42804", ErrorClass::kDatatypeMismatch},
      {"23502", ErrorClass::kNotNullViolation},
      {"42P01", ErrorClass::kOther},  // undefined_table: no caller tells it apart yet
      {"23505", ErrorClass::kOther},
      {"", ErrorClass::kOther},
  };
  for (const auto& [sqlstate, expected] : cases) {
    Status status(Code::kDatabase, "boom", sqlstate);
    EXPECT_EQ(Postgres().Classify(status), expected) << sqlstate;
    EXPECT_EQ(pg::ClassifyError(status), expected) << sqlstate;
  }
}

TEST(BackendClassifyTest, SuccessIsOther) {
  EXPECT_EQ(Postgres().Classify(Status::Ok()), ErrorClass::kOther);
}

TEST(BackendClassifyTest, LockFailuresAreLockTimeoutAndDeadlockOnly) {
  EXPECT_TRUE(IsLockFailure(ErrorClass::kLockTimeout));
  EXPECT_TRUE(IsLockFailure(ErrorClass::kDeadlock));
  for (ErrorClass other : {ErrorClass::kStatementTimeout, ErrorClass::kSerializationFailure,
                           ErrorClass::kDuplicateObject, ErrorClass::kOther}) {
    EXPECT_FALSE(IsLockFailure(other)) << ErrorClassName(other);
  }
}

TEST(BackendClassifyTest, EveryClassHasItsOwnName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(ErrorClass::kOther); ++i) {
    names.insert(ErrorClassName(static_cast<ErrorClass>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ErrorClass::kOther) + 1);
  EXPECT_EQ(ErrorClassName(ErrorClass::kLockTimeout), "lock timeout");
}

// ---- Identifiers and capabilities --------------------------------------------

TEST(BackendPostgresTest, QuotesThroughPgQuoteAndKnowsTheIdentifierLimit) {
  EXPECT_EQ(Postgres().QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(Postgres().QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(Postgres().MaxIdentifierBytes(), 63u);
}

TEST(BackendPostgresTest, HasEveryCapability) {
  Capabilities capabilities = Postgres().capabilities();
  EXPECT_TRUE(capabilities.transactional_ddl);
  EXPECT_TRUE(capabilities.not_valid_constraints);
  EXPECT_TRUE(capabilities.concurrent_index_build);
  EXPECT_TRUE(capabilities.schemas_as_version_namespaces);
  EXPECT_FALSE(Capabilities{}.transactional_ddl);  // a new backend opts in, flag by flag
}

// ---- Against a real server ---------------------------------------------------

class BackendPostgresServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    conn_ = std::make_unique<pg::Connection>(zs::testing::Open(url_));
    zs::testing::MustRun(*conn_, "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)");
  }

  ErrorClass ClassOf(const std::string& sql) {
    Status status = conn_->Run(sql);
    EXPECT_FALSE(status.ok()) << sql;
    return Postgres().Classify(status);
  }

  // A second session holding ACCESS EXCLUSIVE on users until it closes.
  pg::Connection HoldExclusiveLock() {
    pg::Connection blocker = zs::testing::Open(url_);
    zs::testing::MustRun(blocker, "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
    return blocker;
  }

  std::string url_;
  std::unique_ptr<pg::Connection> conn_;
};

TEST_F(BackendPostgresServerTest, ClassifiesRealServerErrors) {
  EXPECT_EQ(ClassOf("CREATE TABLE users (id int)"), ErrorClass::kDuplicateObject);
  EXPECT_EQ(ClassOf("CREATE INDEX users_pkey ON users (name)"), ErrorClass::kDuplicateObject);
  EXPECT_EQ(ClassOf("ALTER TABLE users ADD COLUMN name text"), ErrorClass::kDuplicateObject);
  EXPECT_EQ(ClassOf("SELECT nope FROM users"), ErrorClass::kUndefinedColumn);
  EXPECT_EQ(ClassOf("INSERT INTO users (id) VALUES (1)"), ErrorClass::kNotNullViolation);
  EXPECT_EQ(ClassOf("ALTER TABLE users ADD COLUMN n int DEFAULT 'x'::text"),
            ErrorClass::kDatatypeMismatch);
  EXPECT_EQ(ClassOf("SET statement_timeout = '20ms'; SELECT pg_sleep(5)"),
            ErrorClass::kStatementTimeout);
  zs::testing::MustRun(*conn_, "RESET statement_timeout");
  zs::testing::MustRun(*conn_, "CREATE ROLE zs_backend_test_reader");
  EXPECT_EQ(ClassOf("SET ROLE zs_backend_test_reader; SELECT * FROM users"),
            ErrorClass::kInsufficientPrivilege);
  zs::testing::MustRun(*conn_, "RESET ROLE; DROP ROLE zs_backend_test_reader");
}

TEST_F(BackendPostgresServerTest, ClassifiesARealLockTimeout) {
  pg::Connection blocker = HoldExclusiveLock();
  EXPECT_EQ(ClassOf("SET lock_timeout = '50ms'; SELECT count(*) FROM users"),
            ErrorClass::kLockTimeout);
}

TEST_F(BackendPostgresServerTest, ClassifiesARealSerializationFailure) {
  zs::testing::MustRun(*conn_, "INSERT INTO users VALUES (1, 'Ada')");
  zs::testing::MustRun(*conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT * FROM users");
  pg::Connection other = zs::testing::Open(url_);
  zs::testing::MustRun(other, "UPDATE users SET name = 'Grace' WHERE id = 1");
  EXPECT_EQ(ClassOf("UPDATE users SET name = 'Lovelace' WHERE id = 1"),
            ErrorClass::kSerializationFailure);
  zs::testing::MustRun(*conn_, "ROLLBACK");
}

TEST_F(BackendPostgresServerTest, ClassifiesARealDeadlock) {
  zs::testing::MustRun(*conn_, "CREATE TABLE other (id int)");
  pg::Connection second = zs::testing::Open(url_);
  // Each session locks one table, then waits for the other's: the server
  // breaks the cycle in one of them after deadlock_timeout.
  zs::testing::MustRun(*conn_, "SET deadlock_timeout = '20ms'; BEGIN; LOCK TABLE users");
  zs::testing::MustRun(second, "SET deadlock_timeout = '20ms'; BEGIN; LOCK TABLE other");
  Status second_status;
  std::thread waiter([&] { second_status = second.Run("LOCK TABLE users"); });
  // Only once the waiter queues does the next lock close the cycle.
  for (int i = 0; i < 200; ++i) {
    Result<pg::Rows> waiting = conn_->Exec(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'users'::regclass");
    if (waiting.ok() && waiting->GetInt(0, 0) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Status first_status = conn_->Run("LOCK TABLE other");
  if (!first_status.ok()) zs::testing::MustRun(*conn_, "ROLLBACK");
  waiter.join();
  (void)second.Run("ROLLBACK");
  (void)conn_->Run("ROLLBACK");
  const int deadlocks = (Postgres().Classify(first_status) == ErrorClass::kDeadlock ? 1 : 0) +
                        (Postgres().Classify(second_status) == ErrorClass::kDeadlock ? 1 : 0);
  EXPECT_EQ(deadlocks, 1) << first_status.ToString() << " / " << second_status.ToString();
}

TEST_F(BackendPostgresServerTest, SessionNamesWhoHoldsALockOnATable) {
  pg::Connection blocker = HoldExclusiveLock();
  Result<std::unique_ptr<Session>> session = Postgres().Connect(url_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Result<std::vector<LockHolder>> holders = (*session)->LockHolders("public", "users");
  ASSERT_TRUE(holders.ok()) << holders.status().ToString();
  ASSERT_EQ(holders->size(), 1u);
  EXPECT_EQ((*holders)[0].session_id, blocker.BackendPid());
  EXPECT_NE((*holders)[0].holds.find("AccessExclusiveLock"), std::string::npos);
  std::string described = (*session)->DescribeLockHolders(*holders);
  EXPECT_NE(described.find("pid " + std::to_string(blocker.BackendPid())), std::string::npos)
      << described;

  Result<std::vector<LockHolder>> none = (*session)->LockHolders("public", "no_such_table");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

TEST_F(BackendPostgresServerTest, SchemaAdvisoryLockKeepsASecondSessionOut) {
  PostgresSession first(*conn_);  // borrows the connection existing code holds
  ASSERT_TRUE(first.AcquireSchemaLock("public").ok());
  Result<std::unique_ptr<Session>> second = Postgres().Connect(url_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  Result<std::optional<std::string>> holder = (*second)->SchemaLockHolder("public");
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE(holder->has_value());
  EXPECT_NE((*holder)->find("pid " + std::to_string(conn_->BackendPid())), std::string::npos)
      << **holder;

  Status refused = (*second)->AcquireSchemaLock("public");
  EXPECT_EQ(refused.code(), Code::kConflict) << refused.ToString();
  EXPECT_TRUE((*second)->AcquireSchemaLock("other_schema").ok());
}

}  // namespace
}  // namespace zs::backend
