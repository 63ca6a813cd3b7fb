#include "engine/rehearsal_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "ops/names.h"
#include "schema/schema.h"
#include "testing/mariadb_session_test.h"

namespace zs::engine {
namespace {

class RehearsalMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
    migration_.name = "02_email";
    migration_.operations.push_back({.kind = "alter_column"});
  }

  // The snapshots of an alter_column of users.email: before, and with its
  // temporary column.
  std::vector<schema::Schema> Snapshots() {
    auto base = schema::ReadSchema(*session_, database_);
    EXPECT_TRUE(base.ok()) << base.status().message();
    schema::Schema after = *base;
    for (auto& table : after.tables) {
      if (table.physical_name != "users") continue;
      schema::Column temporary = *table.FindPhysicalColumn("email");
      temporary.physical_name = ops::TemporaryColumnName("email");
      table.columns.push_back(temporary);
    }
    return {*base, after};
  }

  migration::Migration migration_;
};

TEST_F(RehearsalMariadb, CompleteRefusesAnIndexAddedSinceStartOnTheReplacedColumn) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), KEY by_email (email))");
  std::vector<schema::Schema> snapshots = Snapshots();
  ASSERT_EQ(AlteredColumns(migration_, snapshots).size(), 1u);
  Status before = CheckAddedSinceStart(*session_, database_, migration_, snapshots);
  EXPECT_TRUE(before.ok()) << before.message();  // by_email was there at start
  Run("CREATE INDEX email_prefix ON users (email(10))");
  Status after = CheckAddedSinceStart(*session_, database_, migration_, snapshots);
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.message().find("index \"email_prefix\" on column \"email\""), std::string::npos)
      << after.message();
  EXPECT_EQ(after.message().find("by_email"), std::string::npos) << after.message();
}

TEST_F(RehearsalMariadb, CompleteRefusesAViewAndACheckAddedSinceStart) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100))");
  std::vector<schema::Schema> snapshots = Snapshots();
  Run("CREATE VIEW emails AS SELECT email FROM users");
  Run("ALTER TABLE users ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%')");
  Status after = CheckAddedSinceStart(*session_, database_, migration_, snapshots);
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.message().find("emails"), std::string::npos) << after.message();
  EXPECT_NE(after.message().find("constraint \"email_has_at\""), std::string::npos)
      << after.message();
}

TEST_F(RehearsalMariadb, DependentsOfAReplacedColumnAreRefusedBeforeStart) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100))");
  std::vector<AlteredColumn> altered{
      {.table = "users", .column = "email", .where = "02_email.yaml:3:5 alter_column"}};
  EXPECT_TRUE(CheckDependents(*session_, database_, altered, {}).ok());
  Run("CREATE VIEW emails AS SELECT email FROM users");
  Status refused = CheckDependents(*session_, database_, altered, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("02_email.yaml:3:5 alter_column"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("emails"), std::string::npos) << refused.message();
  // A version database's view is zeroshift's: ignored.
  EXPECT_TRUE(CheckDependents(*session_, database_, altered, {database_}).ok());
}

TEST_F(RehearsalMariadb, RehearseSaysThePlanWasNotRehearsedAndWhy) {
  Run("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100))");
  migration::Migration empty{.name = "03_nothing"};
  PlanInput input{.migration = &empty,
                  .version_schema = database_ + "_03_nothing",
                  .backend = &backend::Mariadb()};
  std::vector<std::string> log;
  Status status = Rehearse(*session_, database_, input, {},
                           {.log = [&](const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], kMariadbNotRehearsedNote);
  EXPECT_NE(log[0].find("commits each DDL statement"), std::string::npos);
}

}  // namespace
}  // namespace zs::engine
