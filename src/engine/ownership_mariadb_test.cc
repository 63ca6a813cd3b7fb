#include "engine/ownership_mariadb.h"

#include <gtest/gtest.h>

#include "backend/mariadb_backend.h"
#include "mysql/connection.h"
#include "ops/names.h"
#include "testing/mariadb_session_test.h"
#include "triggers/mariadb_dual_write.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

class OwnershipMariadb : public testing::MariadbSessionTest {
 protected:
  void SetUp() override {
    MariadbSessionTest::SetUp();
    if (HasFatalFailure()) return;
    version_ = versions::MariadbVersionDatabaseName(database_, "02_split", "");
    Run("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(100), first_name VARCHAR(100), " +
        mysql::QuoteIdentifier(triggers::MarkerColumnName()) + " BOOLEAN NULL)");
  }
  void TearDown() override {
    (void)conn_->Run("DROP DATABASE IF EXISTS " + mysql::QuoteIdentifier(version_));
  }

  ObjectRef Trigger() const {
    return {.kind = kObjTrigger,
            .schema = database_,
            .table = "users",
            .name = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kInsert)};
  }
  ObjectRef Version() const { return {.kind = kObjSchema, .schema = version_, .name = version_}; }
  ObjectRef Temporary() const {
    return {.kind = kObjColumn,
            .schema = database_,
            .table = "users",
            .name = ops::TemporaryColumnName("name")};
  }

  std::string version_;
};

TEST_F(OwnershipMariadb, ATriggerIsZeroshiftsByItsNameAndItsBody) {
  EXPECT_FALSE(*MariadbOwnsObject(*session_, Trigger()));  // not there
  triggers::TriggerSpec spec{.name = "first_name_up",
                             .schema = database_,
                             .table = "users",
                             .version_schema = version_,
                             .variables = {{"name", "name"}},
                             .target_column = "first_name",
                             .target_unwritten_value = "NULL",
                             .expression = "(SUBSTRING_INDEX(name, ' ', 1))"};
  Run(triggers::MariadbCreateTriggerSql({spec}, triggers::MariadbEvent::kInsert, ""));
  auto owned = MariadbOwnsObject(*session_, Trigger());
  ASSERT_TRUE(owned.ok()) << owned.status().message();
  EXPECT_TRUE(*owned);
  EXPECT_TRUE(MariadbRefuseForeignObjects(*session_, {Trigger()}).ok());  // a resumed start
}

TEST_F(OwnershipMariadb, AUsersTriggerUnderZeroshiftsNameIsRefused) {
  Run("CREATE TRIGGER " + mysql::QuoteIdentifier(Trigger().name) +
      " BEFORE INSERT ON users FOR EACH ROW SET NEW.name = TRIM(NEW.name)");
  EXPECT_FALSE(*MariadbOwnsObject(*session_, Trigger()));
  Status refused = MariadbRefuseForeignObjects(*session_, {Trigger(), Version(), Temporary()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find(Trigger().name), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("would replace it"), std::string::npos) << refused.message();
  // Only the taken name is listed.
  EXPECT_EQ(refused.message().find(version_), std::string::npos) << refused.message();
}

TEST_F(OwnershipMariadb, AVersionDatabaseIsZeroshiftsByItsComment) {
  Run("CREATE DATABASE " + mysql::QuoteIdentifier(version_));
  EXPECT_FALSE(*MariadbOwnsObject(*session_, Version()));
  Status refused = MariadbRefuseForeignObjects(*session_, {Version()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("version_schema"), std::string::npos) << refused.message();
  Run("ALTER DATABASE " + mysql::QuoteIdentifier(version_) + " COMMENT " +
      mysql::QuoteLiteral(versions::MariadbVersionComment(database_)));
  EXPECT_TRUE(*MariadbOwnsObject(*session_, Version()));
  EXPECT_TRUE(MariadbRefuseForeignObjects(*session_, {Version()}).ok());
}

TEST_F(OwnershipMariadb, AColumnUnderATemporaryNameBeforeStartIsRefused) {
  EXPECT_TRUE(MariadbRefuseForeignObjects(*session_, {Temporary()}).ok());
  Run("ALTER TABLE users ADD COLUMN " + mysql::QuoteIdentifier(Temporary().name) + " INT");
  Status refused = MariadbRefuseForeignObjects(*session_, {Temporary()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find(Temporary().name), std::string::npos) << refused.message();
}

TEST_F(OwnershipMariadb, MariadbKeepsNoIdentityRecords) {
  auto tracked = TracksObjects(*session_, database_, "02_split");
  ASSERT_TRUE(tracked.ok()) << tracked.status().message();
  EXPECT_FALSE(*tracked);
}

}  // namespace
}  // namespace zs::engine
