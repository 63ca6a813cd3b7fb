// Ownership on MariaDB through the engine (the built binary against a real
// MariaDB): plan and start refuse, before anything runs, a migration whose
// objects' names are taken by the user's (a trigger named like the dual
// write's, a column named like the swap's temporary column, a database named
// like the version); rollback and complete leave alone a trigger that took
// the dual write's name after start. Each case compares the catalog before
// and after.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "engine/ownership_mariadb.h"
#include "triggers/mariadb_dual_write.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// A trigger of the user's, on users, under the dual write's insert trigger name.
std::string UserTriggerSql(const std::string& name) {
  return "CREATE OR REPLACE TRIGGER `" + name +
         "` BEFORE INSERT ON users FOR EACH ROW SET NEW.name = CONCAT(NEW.name, '')";
}

class MariadbOwnershipEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessRun init = db_.Zeroshift({"init", "--no-baseline-version"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  // Tables, columns, triggers (with their bodies) and databases named like the versions.
  std::vector<std::string> Catalog() {
    std::vector<std::string> out = db_.VersionDatabases();
    for (auto& row :
         db_.Query("SELECT CONCAT_WS('|', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE) FROM "
                   "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1")) {
      out.push_back(row);
    }
    for (auto& row : db_.Query("SELECT CONCAT_WS('|', TRIGGER_NAME, ACTION_STATEMENT) FROM "
                               "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
                               "ORDER BY 1")) {
      out.push_back(row);
    }
    return out;
  }

  // plan and start both refused as a conflict (exit 3, cli::kExitConflict)
  // with a message holding each of `texts`, and nothing changed.
  void ExpectRefused(const std::string& file, const std::vector<std::string>& texts) {
    const std::vector<std::string> before = Catalog();
    for (const char* command : {"plan", "start"}) {
      ProcessRun run = db_.Zeroshift({command, file});
      EXPECT_EQ(run.exit_code, 3) << command << ": " << run.err;
      for (const auto& text : texts) {
        EXPECT_NE(run.err.find(text), std::string::npos) << command << ": " << run.err;
      }
    }
    EXPECT_EQ(Catalog(), before);
  }

  MariadbSplit db_;
};

TEST_F(MariadbOwnershipEngine, AUsersTriggerNamedLikeTheDualWriteIsRefusedAndKept) {
  const std::string name = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kInsert);
  db_.Run(UserTriggerSql(name));
  ExpectRefused(db_.file(), {"02_split_name.yaml", "trigger", name, "rename or drop it"});
  EXPECT_EQ(db_.Query("SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE "
                      "TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = '" +
                      name + "'"),
            (std::vector<std::string>{"SET NEW.name = CONCAT(NEW.name, '')"}));
}

TEST_F(MariadbOwnershipEngine, AUsersColumnNamedLikeTheTemporarySwapColumnIsRefusedAndKept) {
  db_.Run("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, _zs_new_qty int)");
  db_.Run("INSERT INTO orders VALUES (1, 3, 42)");
  std::string file = db_.WriteFile("03_widen_qty.yaml", R"yaml(operations:
  - alter_column:
      table: orders
      column: qty
      type: bigint
      up: qty
      down: qty
)yaml");
  ExpectRefused(file, {"03_widen_qty.yaml", "_zs_new_qty", "orders"});
  EXPECT_EQ(db_.Query("SELECT _zs_new_qty FROM orders"), (std::vector<std::string>{"42"}));
}

TEST_F(MariadbOwnershipEngine, AUsersDatabaseNamedLikeTheVersionIsRefusedAndKept) {
  db_.Run("CREATE DATABASE `" + db_.version() + "`");
  db_.Run("CREATE TABLE `" + db_.version() + "`.keep (id int)");
  ExpectRefused(db_.file(), {"02_split_name.yaml", db_.version(), "exists already"});
  EXPECT_EQ(db_.Query("SELECT COUNT(*) FROM `" + db_.version() + "`.keep"),
            (std::vector<std::string>{"0"}));
  db_.Run("DROP DATABASE `" + db_.version() + "`");
}

// A trigger the user put under the dual write's name after start is not
// zeroshift's (its body has no label): rollback leaves it, and says so.
TEST_F(MariadbOwnershipEngine, RollbackKeepsAUsersTriggerThatTookTheDualWritesName) {
  ProcessRun start = db_.Zeroshift({"start", db_.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  const std::string name = triggers::MariadbTriggerName("users", triggers::MariadbEvent::kInsert);
  db_.Run(UserTriggerSql(name));
  ProcessRun rollback = db_.Zeroshift({"rollback"}, "", /*quiet=*/false);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  const std::string said = rollback.out + rollback.err;
  EXPECT_NE(said.find("left alone"), std::string::npos) << said;
  EXPECT_NE(said.find(name), std::string::npos) << said;
  EXPECT_EQ(db_.Query("SELECT ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE "
                      "TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = '" +
                      name + "'"),
            (std::vector<std::string>{"SET NEW.name = CONCAT(NEW.name, '')"}));
  EXPECT_EQ(db_.Columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(db_.VersionDatabases().empty());
}

}  // namespace
}  // namespace zs::engine
