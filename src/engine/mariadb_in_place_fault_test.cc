// The fault suite (kill -9 after every step: engine/fault_injection.h) for a
// column change on a table the same migration creates: start makes it in
// place, one MODIFY of the empty table right after its CREATE TABLE
// (MariadbPlanDirectory.*), instead of the column swap. A type change there
// is a COPY ALTER, which gives the table a new InnoDB id: start's record of
// the table (ownership_mariadb_records.h) must not then make the table look
// replaced by someone else, or rollback would leave it. After each kill
// `zeroshift status` must name the command to run, and that command must
// leave the right schema.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"

namespace zs::engine {
namespace {

using mariadb_audit::ColumnsOf;
using mariadb_audit::KilledMigration;
using mariadb_audit::KillsFinishedByComplete;
using mariadb_audit::KillsUndoneByRollback;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;

using Rows = std::vector<std::string>;

// `items` created with an INT qty (NOT NULL: the format's default), then
// widened in the same migration: the MODIFY runs at start, on the empty table.
const KilledMigration& InPlaceWidenCreated() {
  static const KilledMigration m{
      .name = "02_items",
      .yaml = R"yaml(operations:
  - create_table:
      name: items
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: qty, type: int}
  - create_index:
      name: items_qty
      table: items
      columns:
        - column: qty
  - alter_column:
      table: items
      column: qty
      type: bigint
      up: qty
      down: qty
)yaml",
      .setup = [](MariadbSplit&) {},
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(TablesOf(db, db.database()), (Rows{"items", "users"}));
            EXPECT_EQ(ColumnsOf(db, db.database(), "items"),
                      (Rows{"id bigint(20) NOT NULL", "qty bigint(20) NOT NULL"}));
            EXPECT_EQ(db.Query("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE "
                               "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' AND "
                               "INDEX_NAME <> 'PRIMARY'"),
                      (Rows{"items_qty"}));
            Status wide = db.Connect().Run("INSERT INTO items VALUES (1, 3000000000)");
            EXPECT_TRUE(wide.ok()) << wide.ToString();
          },
  };
  return m;
}

// The plan this suite kills: the MODIFY follows the CREATE TABLE at start.
TEST(MariadbInPlaceFault, StartChangesTheCreatedColumnInPlace) {
  MariadbSplit db;
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  zs::testing::ProcessRun plan =
      db.Zeroshift({"plan", mariadb_audit::KilledFile(db, InPlaceWidenCreated())});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("alter_column:items.qty:in_place"), std::string::npos) << plan.out;
}

TEST(MariadbInPlaceFault, StartKilledAfterEveryStepIsUndoneByRollback) {
  // The table, the MODIFY, the index, the version's database, view and grants.
  EXPECT_GE(KillsUndoneByRollback(InPlaceWidenCreated(), "start"), 5);
}

TEST(MariadbInPlaceFault, CompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  EXPECT_GE(KillsFinishedByComplete(InPlaceWidenCreated()), 1);
}

TEST(MariadbInPlaceFault, RollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  // The index, the table, the version's database.
  EXPECT_GE(KillsUndoneByRollback(InPlaceWidenCreated(), "rollback"), 2);
}

}  // namespace
}  // namespace zs::engine
