// The planner for MariaDB: the seed's split (testing/seed_migration.h) with
// MariaDB's up and down, planned against a schema read from a real MariaDB.
// The install actions must be MariaDB's dual write (the marker column, a
// BEFORE INSERT and a BEFORE UPDATE trigger) and the version database's
// views, and every action must be ONE statement: each one is run here on a
// connection with multi-statements off, which refuses anything else.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "engine/mariadb_engine_test_util.h"
#include "engine/planner.h"
#include "migration/parser.h"
#include "mysql/connection.h"
#include "schema/schema.h"
#include "testing/mariadb_sql.h"
#include "testing/shared_mariadb.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

// testing::kSplitNameYaml in MariaDB's SQL.
constexpr const char* kMariadbSplitNameYaml = mariadb_test::kMariadbSplitYaml;

class PlannerMariadb : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string url = zs::testing::FreshMariadbDatabaseUrl();
    conn_ = zs::testing::mariadb_sql::ConnectOrThrow(url);
    session_ = zs::testing::mariadb_sql::SessionOrThrow(url);
    database_ = Query("SELECT DATABASE()").front();
    Run("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
  }

  void Run(const std::string& sql) {
    Status status = conn_->Run(sql);
    if (!status.ok()) throw std::runtime_error(sql + ": " + status.ToString());
  }

  // Each action on its own (an Action is one statement: several are refused).
  void RunAll(const std::vector<ops::Action>& actions) {
    for (const auto& action : actions) {
      Status status = conn_->Run(action.sql);
      ASSERT_TRUE(status.ok()) << action.id << ": " << status.ToString() << "\n" << action.sql;
    }
  }

  // The rows of `sql`, a row's values joined with "|" ("NULL" for NULL).
  std::vector<std::string> Query(const std::string& sql) {
    return zs::testing::mariadb_sql::Rows(*conn_, sql);
  }

  std::vector<std::string> Triggers() {
    return Query(
        "SELECT CONCAT(TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION) FROM "
        "information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = DATABASE() ORDER BY "
        "TRIGGER_NAME");
  }

  std::vector<std::string> Columns() {
    return Query(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = 'users' ORDER BY ORDINAL_POSITION");
  }

  std::vector<std::string> VersionViews() {
    return Query("SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '" +
                 version_ + "' ORDER BY TABLE_NAME");
  }

  // The plan of the split from the catalog as it is now.
  Plan BuildSplitPlan() {
    auto migration = migration::ParseMigration(kMariadbSplitNameYaml, "split_name.yaml");
    if (!migration.ok()) throw std::runtime_error(migration.status().ToString());
    migration_ = std::move(migration).value();
    auto operations = MakeOperations(migration_);
    if (!operations.ok()) throw std::runtime_error(operations.status().ToString());
    operations_ = std::move(operations).value();
    auto base = schema::ReadSchema(*session_, database_);
    if (!base.ok()) throw std::runtime_error("read schema: " + base.status().ToString());
    version_ = versions::MariadbVersionDatabaseName(database_, migration_.name, "");
    PlanInput input{.migration = &migration_,
                    .version_schema = version_,
                    .server_version_num = static_cast<int>(conn_->ServerVersion()),
                    .backend = &backend::Mariadb()};
    auto plan = BuildPlan(input, operations_, std::move(base).value());
    if (!plan.ok()) throw std::runtime_error("plan: " + plan.status().ToString());
    return std::move(plan).value();
  }

  std::unique_ptr<mysql::Connection> conn_;
  std::unique_ptr<backend::Session> session_;
  std::string database_;
  std::string version_;
  migration::Migration migration_;
  Operations operations_;
};

TEST_F(PlannerMariadb, SplitNameInstallsMariadbTriggersAndVersionViews) {
  Plan plan = BuildSplitPlan();
  std::string insert = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kInsert);
  std::string update = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kUpdate);
  std::vector<std::string> ids;
  for (const auto& action : plan.install) ids.push_back(action.id);
  std::vector<std::string> expected{
      "trigger:" + insert + ":marker",        "trigger:" + insert + ":create",
      "trigger:" + update + ":create",        "trigger:" + insert + ":rebuild",
      "version:" + version_ + ":database",    "version:" + version_ + ":view:users",
      "version:" + version_ + ":grants:users"};
  EXPECT_EQ(ids, expected);
  ASSERT_EQ(plan.install.size(), expected.size());
  EXPECT_NE(plan.install[1].sql.find("BEFORE INSERT"), std::string::npos) << plan.install[1].sql;
  EXPECT_NE(plan.install[2].sql.find("BEFORE UPDATE"), std::string::npos) << plan.install[2].sql;
  ASSERT_EQ(plan.backfill.size(), 1u);
  EXPECT_EQ(plan.backfill[0].table, "users");

  RunAll(plan.expand);
  RunAll(plan.install);
  EXPECT_EQ(Triggers(),
            (std::vector<std::string>{insert + " BEFORE INSERT", update + " BEFORE UPDATE"}));
  EXPECT_EQ(VersionViews(), (std::vector<std::string>{"users"}));

  // Old writes fill the new columns with `up`; new writes the old one with `down`.
  Run("INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace')");
  EXPECT_EQ(Query("SELECT CONCAT_WS('|', first_name, last_name) FROM users WHERE id = 1"),
            (std::vector<std::string>{"Ada|Lovelace"}));
  Run("SET @zeroshift_version = '" + version_ + "'");
  Run("INSERT INTO `" + version_ +
      "`.users (id, first_name, last_name) VALUES (2, 'Alan', 'Turing')");
  Run("SET @zeroshift_version = NULL");
  EXPECT_EQ(Query("SELECT name FROM users WHERE id = 2"),
            (std::vector<std::string>{"Alan Turing"}));
}

// Without transactional DDL, the triggers' removal is one Action per
// statement, not PostgreSQL's single grouped action.
TEST_F(PlannerMariadb, SplitNameCompletesAndRollsBackOneStatementPerAction) {
  Plan plan = BuildSplitPlan();
  RunAll(plan.expand);
  RunAll(plan.install);
  RunAll(plan.rollback);
  EXPECT_TRUE(Triggers().empty());
  EXPECT_TRUE(VersionViews().empty());
  EXPECT_EQ(Columns(), (std::vector<std::string>{"id", "name"}));

  plan = BuildSplitPlan();
  RunAll(plan.expand);
  RunAll(plan.install);
  RunAll(plan.complete);
  EXPECT_TRUE(Triggers().empty());
  EXPECT_EQ(Columns(), (std::vector<std::string>{"id", "first_name", "last_name"}));
  EXPECT_EQ(VersionViews(), (std::vector<std::string>{"users"}));  // the version that stays
  int drops = 0;
  for (const auto& action : plan.complete) {
    if (action.id.find(":drop_dual_write:") != std::string::npos) ++drops;
  }
  EXPECT_EQ(drops, 3);  // two triggers and the marker column
}

}  // namespace
}  // namespace zs::engine
