// Start's online rebuild before the backfill on MariaDB (the dual write's
// `:rebuild` action, triggers/mariadb_dual_write.h): it runs for a table whose
// backfill fills NOT NULL fixed-size columns, gives the table's indexes new
// InnoDB ids (so start's records of the indexes it created must follow, or
// rollback would take them for someone else's and leave them), is skipped
// for a table without `up` or whose rows grow anyway, and a kill -9 after any
// step around it leaves a state that rollback undoes and a re-run finishes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

using mariadb_audit::IndexesOf;
using mariadb_audit::Snapshot;
using mariadb_audit::StatusJson;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// An index start creates on the table it then backfills, and a type change
// whose temporary column is BIGINT NOT NULL (a filled row keeps its size).
const std::string kRebuildYaml =
    std::string(
        "operations:\n  - create_index: {name: users_nick, table: users, columns: "
        "[{column: nick}]}") +
    mariadb_test::kWidenVisitsOperation;

void RebuildSetup(MariadbSplit& db) {
  db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0, ADD nick varchar(20) NULL");
  db.Run("UPDATE users SET visits = id * 10");
}

std::string RebuildTableId(MariadbSplit& db) {
  return db
      .Query("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = '" +
             db.database() + "/users'")
      .front();
}

// The new version's visits, as its clients read them.
Rows RebuildNewVisits(MariadbSplit& db) {
  return db.Query("SELECT CONCAT(id, '|', visits) FROM `" +
                  versions::MariadbVersionDatabaseName(db.database(), "02_first", "") +
                  "`.users ORDER BY id");
}

TEST(MariadbRebuild, StartRebuildsTheBackfilledTableAndItsIndexRecordsFollow) {
  MariadbSplit db;
  RebuildSetup(db);
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::vector<std::string> before = Snapshot(db);
  std::string id_before = RebuildTableId(db);
  ProcessRun start = db.Zeroshift({"start", db.WriteFile("02_first.yaml", kRebuildYaml)}, "",
                                  /*quiet=*/false);
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE((start.out + start.err).find(":rebuild"), std::string::npos) << start.out;
  EXPECT_NE(RebuildTableId(db), id_before);  // rebuilt
  EXPECT_EQ(RebuildNewVisits(db), (Rows{"1|10", "2|20", "3|30", "4|40"}));
  // The backfill leaves the marker NULL (rows keep their size).
  EXPECT_EQ(db.Query("SELECT COUNT(*) FROM users WHERE _zs_synced IS NULL"), Rows{"4"});
  // Status finds every record's object as start left it.
  nlohmann::json status = StatusJson(db);
  EXPECT_EQ(status["active"]["next"].get<std::string>().find("is not the one"), std::string::npos)
      << status.dump();
  ProcessRun rollback = db.Zeroshift({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Snapshot(db), before);  // the index start created is gone
}

TEST(MariadbRebuild, ATableWithoutUpIsNotRebuilt) {
  MariadbSplit db;
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string id_before = RebuildTableId(db);
  ProcessRun start = db.Zeroshift({"start", db.WriteFile("02_drop.yaml", R"yaml(operations:
  - drop_column:
      table: users
      column: name
      down: "'?'"
)yaml")});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(RebuildTableId(db), id_before);
}

// The split's new columns are VARCHAR NULL: filling them grows each row,
// rebuilt or not, so start does not rebuild and says why.
TEST(MariadbRebuild, ATableWhoseRowsGrowAnywayIsNotRebuilt) {
  MariadbSplit db;
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string id_before = RebuildTableId(db);
  ProcessRun start = db.Zeroshift({"start", db.file()}, "", /*quiet=*/false);
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(RebuildTableId(db), id_before);
  EXPECT_NE((start.out + start.err).find(":rebuild: skipped"), std::string::npos)
      << start.out << start.err;
  EXPECT_NE((start.out + start.err).find("grows each row"), std::string::npos) << start.out;
}

// Kills start after its k-th step for every k; rollback must give back the
// database as it was (the created index included), or a re-run must finish.
void RebuildKillAfterEveryStep(bool rerun) {
  int kills = 0;
  for (int k = 1; k <= 40; ++k) {
    MariadbSplit db;
    RebuildSetup(db);
    ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
    std::vector<std::string> before = Snapshot(db);
    std::string file = db.WriteFile("02_first.yaml", kRebuildYaml);
    std::string fault = "start:" + std::to_string(k);
    ProcessRun run = db.Zeroshift({"start", file}, fault);
    if (run.exit_code == 0) break;
    ASSERT_EQ(run.exit_code, -1) << fault << ": " << run.err;  // killed, not failed
    ++kills;
    if (rerun) {
      ProcessRun again = db.Zeroshift({"start", file});
      ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
      EXPECT_EQ(RebuildNewVisits(db), (Rows{"1|10", "2|20", "3|30", "4|40"})) << fault;
      EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id", "users_nick nick"})) << fault;
    } else {
      ProcessRun rollback = db.Zeroshift({"rollback"});
      ASSERT_EQ(rollback.exit_code, 0) << fault << ": " << rollback.err;
      EXPECT_EQ(Snapshot(db), before) << fault;
    }
    EXPECT_TRUE(rerun || StatusJson(db)["active"].is_null()) << fault;
  }
  // The index, the marker, two triggers, the rebuild, the version database,
  // its view and grants, the backfill's batch.
  EXPECT_GE(kills, 8);
}

TEST(MariadbRebuild, StartKilledAfterEveryStepIsUndoneByRollback) {
  RebuildKillAfterEveryStep(/*rerun=*/false);
}

TEST(MariadbRebuild, StartKilledAfterEveryStepFinishesWhenRunAgain) {
  RebuildKillAfterEveryStep(/*rerun=*/true);
}

}  // namespace
}  // namespace zs::engine
