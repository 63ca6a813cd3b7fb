#include "engine/baseline_version_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "engine/baseline_version.h"
#include "mysql/connection.h"
#include "state/state_store.h"
#include "testing/mariadb_session_test.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

class BaselineMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
    version_ = versions::MariadbVersionDatabaseName(database_, "baseline", "");
    Status init = state::OpenStateStore(*session_)->Init();
    ASSERT_TRUE(init.ok()) << init.message();
  }
  void TearDown() override {
    (void)conn_->Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(version_));
  }

  Status Create(std::vector<std::string>* log = nullptr) {
    return CreateBaselineVersion(*session_, database_, "baseline", {},
                                 [log](const std::string& line) {
                                   if (log) log->push_back(line);
                                 });
  }

  std::string version_;
};

TEST_F(BaselineMariadb, CreatesAVersionDatabaseOfViewsThatOldClientsKeep) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100))");
  Run("INSERT INTO users VALUES (1, 'Ann')");
  std::vector<std::string> log;
  Status created = Create(&log);
  ASSERT_TRUE(created.ok()) << created.message();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("created baseline version"), std::string::npos) << log[0];
  auto rows = conn_->Exec("SELECT name FROM " + mysql::QuoteIdentifier(version_) + ".users");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->Get(0, 0), "Ann");
  auto baseline = BaselineVersionSchema(*session_, database_);
  ASSERT_TRUE(baseline.ok()) << baseline.status().message();
  EXPECT_EQ(baseline->value_or(""), version_);
  auto old = OldVersionSchema(*session_, database_);
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(*old, version_);
  // Again: nothing to do, and it says which version clients use.
  log.clear();
  ASSERT_TRUE(Create(&log).ok());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("clients use version database"), std::string::npos) << log[0];
}

TEST_F(BaselineMariadb, RefusesADatabaseOfThatNameZeroshiftDidNotCreate) {
  Run("CREATE TABLE users (id INT PRIMARY KEY)");
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(version_));
  Run("CREATE TABLE " + mysql::QuoteIdentifier(version_) + ".keep (id INT)");
  Status refused = Create();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("did not create"), std::string::npos) << refused.message();
  auto kept = conn_->Exec("SELECT COUNT(*) FROM " + mysql::QuoteIdentifier(version_) + ".keep");
  EXPECT_TRUE(kept.ok());
  auto baseline = BaselineVersionSchema(*session_, database_);
  ASSERT_TRUE(baseline.ok());
  EXPECT_FALSE(baseline->has_value());
}

TEST_F(BaselineMariadb, ARunInterruptedBeforeItsRecordIsFinishedByTheNext) {
  Run("CREATE TABLE users (id INT PRIMARY KEY)");
  // What a run killed after creating the database leaves: the marked
  // database, no record.
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(version_) + " COMMENT " +
      mysql::QuoteLiteral(versions::MariadbVersionComment(database_)));
  Status created = Create();
  ASSERT_TRUE(created.ok()) << created.message();
  auto baseline = BaselineVersionSchema(*session_, database_);
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(baseline->value_or(""), version_);
}

TEST_F(BaselineMariadb, NoTableNoBaseline) {
  std::vector<std::string> log;
  Status created = Create(&log);
  ASSERT_TRUE(created.ok()) << created.message();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("has no table yet"), std::string::npos) << log[0];
  auto old = OldVersionSchema(*session_, database_);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "");
}

}  // namespace
}  // namespace zs::engine
