// The MariaDB doctor tests' fixture (doctor_mariadb_test.cc,
// doctor_mariadb_findings_test.cc): a fresh database on the shared MariaDB
// with zeroshift's state and a `users` table, and helpers to plant what a
// crashed migration leaves.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "doctor/doctor_mariadb.h"
#include "engine/planner.h"
#include "migration/names.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "schema/schema.h"
#include "state/state_store.h"
#include "testing/shared_mariadb.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/mariadb_version_schema.h"

// Not in an anonymous namespace: every test file's TEST_F(DoctorMariadb, ...)
// must see the one fixture class.
namespace zs::doctor::doctor_mariadb_test {

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
    Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100))");
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

  // A dual-write trigger as start creates it, and the marker column it sets
  // (which start adds with it); `sql_mode` replaces the mode it is created
  // under when not empty.
  void CreateZeroshiftTrigger(const std::string& sql_mode = "") {
    Run("ALTER TABLE users ADD COLUMN " + mysql::QuoteIdentifier(triggers::MarkerColumnName()) +
        " BOOLEAN NULL");
    triggers::TriggerSpec spec{.name = "first_name_up",
                               .schema = database_,
                               .table = "users",
                               .version_schema = stray_,
                               .variables = {{"name", "name"}},
                               .target_column = "first_name",
                               .target_unwritten_value = "NULL",
                               .expression = "(SUBSTRING_INDEX(name, ' ', 1))"};
    std::string sql =
        triggers::MariadbCreateTriggerSql({spec}, triggers::MariadbEvent::kUpdate, "");
    if (!sql_mode.empty()) {
      std::string pinned = mysql::QuoteLiteral(triggers::kMariadbTriggerSqlMode);
      size_t at = sql.find(pinned);
      ASSERT_NE(at, std::string::npos) << sql;
      sql.replace(at, pinned.size(), mysql::QuoteLiteral(sql_mode));
    }
    Run(sql);
  }

  // Stores the state row of migration `name` (adding column `nick` to users,
  // up `name`) at `step`, as start would before its objects exist; returns
  // its version database. Creates nothing else.
  std::string InsertMigration(const std::string& name, state::Step step) {
    const std::string json =
        "{\"name\": \"" + name +
        "\", \"operations\": [{\"add_column\": {\"table\": \"users\", \"column\": "
        "{\"name\": \"nick\", \"type\": \"varchar(100)\", \"nullable\": true}, \"up\": "
        "\"name\"}}]}";
    auto migration = migration::ParseStoredMigration(json, name + ".json");
    EXPECT_TRUE(migration.ok()) << migration.status().message();
    auto operations = engine::MakeOperations(*migration);
    EXPECT_TRUE(operations.ok()) << operations.status().message();
    auto base = schema::ReadSchema(*session_, database_);
    EXPECT_TRUE(base.ok()) << base.status().message();
    std::string version = versions::MariadbVersionDatabaseName(database_, name, "");
    engine::PlanInput input{
        .migration = &*migration, .version_schema = version, .backend = &backend::Mariadb()};
    auto plan = engine::BuildPlan(input, *operations, *base);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    Status inserted =
        state::OpenStateStore(*session_)->Insert({.schema = database_,
                                                  .name = name,
                                                  .migration_json = migration::ToJson(*migration),
                                                  .version_schema = version,
                                                  .step = step,
                                                  .snapshots = plan->snapshots});
    EXPECT_TRUE(inserted.ok()) << inserted.message();
    return version;
  }

  // The findings of `kind`.
  static std::vector<Finding> OfKind(const Report& report, const std::string& kind) {
    std::vector<Finding> out;
    for (const auto& finding : report.findings) {
      if (finding.kind == kind) out.push_back(finding);
    }
    return out;
  }

  std::string url_;
  std::unique_ptr<backend::Session> session_;
  mysql::Connection* conn_ = nullptr;
  std::string database_;
  std::string stray_;
};

}  // namespace zs::doctor::doctor_mariadb_test
