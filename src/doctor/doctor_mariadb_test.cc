#include "doctor/doctor_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "engine/planner.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "schema/schema.h"
#include "state/state_store.h"
#include "testing/shared_mariadb.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/mariadb_version_schema.h"

namespace zs::doctor {
namespace {

class DoctorMariadb : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshMariadbDatabaseUrl();
    session_ = Connect();
    ASSERT_NE(session_, nullptr);
    conn_ = &backend::MariadbConnection(*session_);
    database_ = mysql::ParseUrl(url_)->database;
    stray_ = versions::MariadbVersionDatabaseName(database_, "01_old", "");
    Status init = state::OpenStateStore(*session_)->Init();
    ASSERT_TRUE(init.ok()) << init.message();
    Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100), " +
        mysql::QuoteIdentifier(triggers::MarkerColumnName()) + " BOOLEAN NULL)");
  }
  void TearDown() override {
    (void)conn_->Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(stray_));
    (void)conn_->Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(stray_ + "x"));
  }

  std::unique_ptr<backend::Session> Connect() {
    auto backend = backend::MariadbBackendForUrl(url_);
    EXPECT_TRUE(backend.ok()) << backend.status().message();
    auto session = (*backend)->Connect(url_);
    EXPECT_TRUE(session.ok()) << session.status().message();
    return session.ok() ? std::move(*session) : nullptr;
  }

  void Run(const std::string& sql) {
    Status status = conn_->Run(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }

  void CreateZeroshiftTrigger() {
    triggers::TriggerSpec spec{.name = "first_name_up",
                               .schema = database_,
                               .table = "users",
                               .version_schema = stray_,
                               .variables = {{"name", "name"}},
                               .target_column = "first_name",
                               .target_unwritten_value = "NULL",
                               .expression = "(SUBSTRING_INDEX(name, ' ', 1))"};
    Run(triggers::MariadbCreateTriggerSql({spec}, triggers::MariadbEvent::kUpdate, ""));
  }

  std::string url_;
  std::unique_ptr<backend::Session> session_;
  mysql::Connection* conn_ = nullptr;
  std::string database_;
  std::string stray_;
};

TEST_F(DoctorMariadb, NothingStrayNothingFound) {
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->findings.empty()) << report->ToText();
}

TEST_F(DoctorMariadb, FindsAndDropsAStrayVersionDatabaseButNotTheUsers) {
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(stray_) + " COMMENT " +
      mysql::QuoteLiteral(versions::MariadbVersionComment(database_)));
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(stray_ + "x"));  // the user's
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->findings.size(), 1u) << report->ToText();
  EXPECT_EQ(report->findings[0].kind, kVersionSchema);
  EXPECT_EQ(report->findings[0].object, mysql::QuoteIdentifier(stray_));
  auto fixed = Fix(*session_, database_, {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_EQ(fixed->fixed.size(), 1u);
  EXPECT_TRUE(fixed->findings.empty()) << fixed->ToText();
  auto left =
      conn_->Exec("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (" +
                  mysql::QuoteLiteral(stray_) + ", " + mysql::QuoteLiteral(stray_ + "x") + ")");
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1);
  EXPECT_EQ(left->Get(0, 0), stray_ + "x");
}

TEST_F(DoctorMariadb, FindsAndDropsAStrayTriggerButNotAUsersLookAlike) {
  CreateZeroshiftTrigger();
  Run("CREATE TRIGGER _zs_users_mine BEFORE INSERT ON users FOR EACH ROW SET NEW.name = "
      "TRIM(NEW.name)");
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->findings.size(), 1u) << report->ToText();
  EXPECT_EQ(report->findings[0].kind, kTrigger);
  EXPECT_NE(report->findings[0].object.find("dual_write_update"), std::string::npos);
  auto fixed = Fix(*session_, database_, {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_TRUE(fixed->findings.empty()) << fixed->ToText();
  auto left = conn_->Exec(
      "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
      "TRIGGER_SCHEMA = " +
      mysql::QuoteLiteral(database_));
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1);
  EXPECT_EQ(left->Get(0, 0), "_zs_users_mine");
}

TEST_F(DoctorMariadb, ARunningCommandIsNamedNotDiagnosed) {
  std::unique_ptr<backend::Session> other = Connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(state::OpenStateStore(*other)->AcquireSchemaLock(database_).ok());
  auto report = Diagnose(*session_, database_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), Code::kConflict);
  EXPECT_NE(report.status().message().find("holds its lock"), std::string::npos)
      << report.status().message();
  ASSERT_TRUE(backend::MariadbConnection(*other)
                  .Run("DO RELEASE_LOCK(" +
                       mysql::QuoteLiteral(backend::MariadbSchemaLockName(database_)) + ")")
                  .ok());
  EXPECT_TRUE(Diagnose(*session_, database_).ok());
}

}  // namespace
}  // namespace zs::doctor

namespace zs::doctor {
namespace {

// An active migration whose version database and triggers are gone.
TEST_F(DoctorMariadb, AnActiveMigrationMissingItsObjectsIsReported) {
  const std::string json =
      "{\"name\": \"02_nick\", \"operations\": [{\"add_column\": {\"table\": \"users\", "
      "\"column\": {\"name\": \"nick\", \"type\": \"varchar(100)\", \"nullable\": true}, "
      "\"up\": \"name\"}}]}";
  auto migration = migration::ParseStoredMigration(json, "02_nick.json");
  ASSERT_TRUE(migration.ok()) << migration.status().message();
  auto operations = engine::MakeOperations(*migration);
  ASSERT_TRUE(operations.ok()) << operations.status().message();
  // The table as it was before start, which adds the marker column.
  Run("ALTER TABLE users DROP COLUMN " + mysql::QuoteIdentifier(triggers::MarkerColumnName()));
  auto base = schema::ReadSchema(*session_, database_);
  ASSERT_TRUE(base.ok()) << base.status().message();
  std::string version = versions::MariadbVersionDatabaseName(database_, "02_nick", "");
  engine::PlanInput input{
      .migration = &*migration, .version_schema = version, .backend = &backend::Mariadb()};
  auto plan = engine::BuildPlan(input, *operations, *base);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto state = state::OpenStateStore(*session_);
  ASSERT_TRUE(state
                  ->Insert({.schema = database_,
                            .name = "02_nick",
                            .migration_json = migration::ToJson(*migration),
                            .version_schema = version,
                            .step = state::Step::kActive,
                            .snapshots = plan->snapshots})
                  .ok());
  auto report = Diagnose(*session_, database_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->active_migration, "02_nick");
  std::string text = report->ToText();
  EXPECT_NE(text.find("the version database of active migration \"02_nick\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("dual_write_insert"), std::string::npos) << text;
  EXPECT_NE(text.find("dual_write_update"), std::string::npos) << text;
  for (const auto& finding : report->findings) EXPECT_EQ(finding.kind, kActiveMigration);
}

}  // namespace
}  // namespace zs::doctor
