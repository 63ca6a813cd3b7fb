// The fault suite (kill -9 after every step: engine/fault_injection.h) for the
// operation kinds mariadb_engine_fault_test.cc does not kill, which covers the
// split (add_column with up, drop_column) only: the column swap (alter_column's
// type change: a temporary column, its triggers, one ALTER that swaps it in at
// complete), a CHECK through the swap, and a migration of table, index and
// rename operations (no triggers, no backfill). After each kill `zeroshift status` must name the
// active migration and a command, and that command must finish the job with
// the database right.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_audit::ColumnsOf;
using mariadb_audit::ExpectAsBeforeStart;
using mariadb_audit::ExpectCompleted;
using mariadb_audit::ExpectRuns;
using mariadb_audit::IndexesOf;
using mariadb_audit::KilledFile;
using mariadb_audit::KilledMigration;
using mariadb_audit::StatusJson;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;

using Rows = std::vector<std::string>;

// After a kill, status names the migration and a command to run.
void AuditExpectExplained(MariadbSplit& db, const KilledMigration& m, const std::string& fault) {
  nlohmann::json json = StatusJson(db);
  ASSERT_TRUE(json["active"].is_object()) << fault << ": " << json.dump();
  EXPECT_EQ(json["active"]["name"], m.name) << fault;
  EXPECT_NE(json["active"]["next"].get<std::string>().find("zeroshift "), std::string::npos)
      << fault << ": " << json.dump();
}

// Kills `command` after its k-th step for k = 1, 2, ... until it finishes
// unkilled; after each kill status must explain the state (name the
// migration and a command) and `recover` must finish it. Returns how many
// kills there were.
int AuditKillAfterEveryStep(const KilledMigration& m, const std::string& command,
                            const std::function<void(MariadbSplit&, const std::string&)>& recover) {
  return mariadb_audit::KillAfterEachStepThen(
      m, command, [&](MariadbSplit& db, const std::string&, const std::string& fault) {
        AuditExpectExplained(db, m, fault);
        recover(db, fault);
      });
}

// After each kill of `command`, `zeroshift rollback` must succeed and leave
// the database as before start.
int AuditKillsUndoneByRollback(const KilledMigration& m, const std::string& command) {
  return AuditKillAfterEveryStep(m, command, [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(ExpectRuns(db, {"rollback"}, fault));
    ExpectAsBeforeStart(db, m, fault);
  });
}

// After each kill of complete, complete run again must finish the migration.
int AuditKillsFinishedByComplete(const KilledMigration& m) {
  return AuditKillAfterEveryStep(m, "complete", [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(ExpectRuns(db, {"complete"}, fault));
    ExpectCompleted(db, m, fault);
  });
}

// No triggers and no backfill: every step is DDL or a version object.
const KilledMigration& AuditTablesAndIndexes() {
  static const KilledMigration m{
      .name = "02_orders",
      .yaml = R"yaml(operations:
  - create_table:
      name: orders
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: note, type: varchar(100), nullable: true}
  - create_index: {name: users_email, table: users, columns: [{column: email}]}
  - drop_index: {name: users_nick}
  - rename_column: {table: users, from: name, to: full_name}
  - rename_table: {from: old_logs, to: logs}
)yaml",
      .setup =
          [](MariadbSplit& db) {
            db.Run(
                "ALTER TABLE users ADD email varchar(100) NULL, ADD nick varchar(20) NULL, ADD "
                "INDEX users_nick (nick)");
            db.Run("CREATE TABLE old_logs (id int PRIMARY KEY)");
            db.Run("INSERT INTO old_logs VALUES (1)");
          },
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(TablesOf(db, db.database()), (Rows{"logs", "orders", "users"}));
            EXPECT_EQ(db.Query("SELECT id FROM logs"), (Rows{"1"}));
            EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                      (Rows{"id bigint(20) NOT NULL", "full_name text NOT NULL",
                            "email varchar(100)", "nick varchar(20)"}));
            EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id", "users_email email"}));
            EXPECT_EQ(db.Query("SELECT COUNT(*) FROM users"), (Rows{"4"}));
          },
  };
  return m;
}

// A CHECK through the swap: its two triggers after the dual write's at start,
// the batched validation of every row at complete, then the triggers made
// again over the final column.
const KilledMigration& AuditCheck() {
  static const KilledMigration m{
      .name = mariadb_audit::kNameLongName,
      .yaml = mariadb_audit::kNameLongYaml,
      .setup = [](MariadbSplit& db) { db.Run("INSERT INTO users VALUES (5, 'Al')"); },
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(db.Query("SELECT name FROM users WHERE id = 5"), (Rows{"Al__"}));
            EXPECT_EQ(db.Query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
                               "EVENT_OBJECT_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME"),
                      (Rows{"zs_check_users_name_long_bi", "zs_check_users_name_long_bu"}));
            Status short_insert = db.Connect().Run("INSERT INTO users VALUES (6, 'Cy')");
            EXPECT_EQ(mysql::ErrorNumber(short_insert), 4025) << short_insert.ToString();
          },
  };
  return m;
}

TEST(MariadbAuditFault, CheckStartKilledAfterEveryStepIsUndoneByRollback) {
  // The swap's steps and the two check triggers.
  EXPECT_GE(AuditKillsUndoneByRollback(AuditCheck(), "start"), 8);
}

TEST(MariadbAuditFault, CheckCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  // The validation, the swap, the check triggers again.
  EXPECT_GE(AuditKillsFinishedByComplete(AuditCheck()), 3);
}

TEST(MariadbAuditFault, SwapStartKilledAfterEveryStepIsUndoneByRollback) {
  // The temporary column, the marker, two triggers, the version's database,
  // view and grants, one backfill batch at least.
  EXPECT_GE(AuditKillsUndoneByRollback(mariadb_audit::WidenVisits(), "start"), 8);
}

TEST(MariadbAuditFault, SwapCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  EXPECT_GE(AuditKillsFinishedByComplete(mariadb_audit::WidenVisits()), 2);
}

TEST(MariadbAuditFault, TablesAndIndexesStartKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = AuditTablesAndIndexes();
  int kills = AuditKillAfterEveryStep(m, "start", [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(ExpectRuns(db, {"start", KilledFile(db, m)}, fault));
    ASSERT_NO_FATAL_FAILURE(ExpectRuns(db, {"complete"}, fault));
    ExpectCompleted(db, m, fault);
  });
  EXPECT_GE(kills, 4);  // the table, the index, the version's database and views
}

TEST(MariadbAuditFault, TablesAndIndexesCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  // The index dropped, the column and the table renamed.
  EXPECT_GE(AuditKillsFinishedByComplete(AuditTablesAndIndexes()), 3);
}

TEST(MariadbAuditFault, TablesAndIndexesRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  // The version's database, the index, the table.
  EXPECT_GE(AuditKillsUndoneByRollback(AuditTablesAndIndexes(), "rollback"), 2);
}

}  // namespace
}  // namespace zs::engine
