// zeroshift doctor on a real MariaDB: stray version databases and triggers
// are found and dropped, a user's look-alikes never; a running command is
// named; an active migration's missing objects are reported. More findings:
// doctor_mariadb_findings_test.cc; the fixture: doctor_mariadb_test_util.h.
#include "doctor/doctor_mariadb_test_util.h"

namespace zs::doctor::doctor_mariadb_test {
namespace {

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
  ASSERT_EQ(report->findings.size(), 2u) << report->ToText();
  EXPECT_EQ(report->findings[0].kind, kTrigger);
  EXPECT_NE(report->findings[0].object.find("dual_write_update"), std::string::npos);
  // The marker column the trigger sets is stray with it, and fixed after it.
  EXPECT_EQ(report->findings[1].kind, kTemporaryColumn);
  EXPECT_NE(report->findings[1].object.find(triggers::MarkerColumnName()), std::string::npos);
  auto fixed = Fix(*session_, database_, {});
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  EXPECT_TRUE(fixed->findings.empty()) << fixed->ToText();
  EXPECT_EQ(fixed->fixed.size(), 2u);
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
}  // namespace zs::doctor::doctor_mariadb_test
