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
using mariadb_audit::IndexesOf;
using mariadb_audit::Snapshot;
using mariadb_audit::StatusJson;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// Past the last step the command runs to its end; a guard against a loop.
constexpr int kAuditMaxSteps = 40;

// One migration of the suite: the table it starts from and the file.
struct AuditMigration {
  std::string name;
  std::string yaml;
  std::function<void(MariadbSplit&)> setup;            // after MariadbSplit's users table
  std::function<void(MariadbSplit&)> expect_complete;  // the database after complete
};

std::string AuditFile(MariadbSplit& db, const AuditMigration& m) {
  return db.WriteFile(m.name + ".yaml", m.yaml);
}

void AuditPrepare(MariadbSplit& db, const AuditMigration& m, bool start) {
  m.setup(db);
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  if (!start) return;
  ProcessRun run = db.Zeroshift({"start", AuditFile(db, m)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

void AuditExpectExplained(MariadbSplit& db, const AuditMigration& m, const std::string& fault) {
  nlohmann::json json = StatusJson(db);
  ASSERT_TRUE(json["active"].is_object()) << fault << ": " << json.dump();
  EXPECT_EQ(json["active"]["name"], m.name) << fault;
  EXPECT_NE(json["active"]["next"].get<std::string>().find("zeroshift "), std::string::npos)
      << fault << ": " << json.dump();
}

// The database as before start: what a fresh fixture with the setup holds.
void AuditExpectAsBefore(MariadbSplit& db, const AuditMigration& m, const std::string& fault) {
  MariadbSplit fresh;
  m.setup(fresh);
  std::vector<std::string> got = Snapshot(db), want = Snapshot(fresh);
  ASSERT_EQ(got.size(), want.size()) << fault;
  for (size_t i = 0; i < got.size(); ++i) {
    // SHOW CREATE TABLE and rows carry no database name; the fixtures' differ.
    EXPECT_EQ(got[i], want[i]) << fault;
  }
  EXPECT_TRUE(StatusJson(db)["active"].is_null()) << fault;
}

void AuditExpectComplete(MariadbSplit& db, const AuditMigration& m, const std::string& fault) {
  SCOPED_TRACE(fault);
  for (const std::string& trigger : db.Triggers()) {  // a CHECK's own triggers stay
    EXPECT_NE(trigger.rfind("_zs_", 0), 0u) << "left after complete: " << trigger;
  }
  EXPECT_EQ(db.VersionDatabases(),
            (Rows{versions::MariadbVersionDatabaseName(db.database(), m.name, "")}));
  EXPECT_TRUE(StatusJson(db)["active"].is_null());
  m.expect_complete(db);
}

// Kills `command` after its k-th step for k = 1, 2, ... until it finishes
// unkilled; after each kill status must explain the state and `recover` must
// finish it. Returns how many kills there were.
int AuditKillAfterEveryStep(const AuditMigration& m, const std::string& command,
                            const std::function<void(MariadbSplit&, const std::string&)>& recover) {
  for (int k = 1; k <= kAuditMaxSteps; ++k) {
    MariadbSplit db;
    AuditPrepare(db, m, command != "start");
    std::string fault = command + ":" + std::to_string(k);
    std::vector<std::string> args{command};
    if (command == "start") args.push_back(AuditFile(db, m));
    ProcessRun run = db.Zeroshift(args, fault);
    if (run.exit_code == 0) return k - 1;
    EXPECT_EQ(run.exit_code, -1) << fault << ": " << run.err;  // killed, not failed
    if (run.exit_code != -1) return k;
    AuditExpectExplained(db, m, fault);
    recover(db, fault);
  }
  ADD_FAILURE() << command << " was still being killed after " << kAuditMaxSteps << " steps";
  return kAuditMaxSteps;
}

void AuditRun(MariadbSplit& db, std::vector<std::string> args, const std::string& fault) {
  ProcessRun run = db.Zeroshift(args);
  ASSERT_EQ(run.exit_code, 0) << fault << ": " << args[0] << ": " << run.err;
}

const AuditMigration& AuditSwap() {
  static const AuditMigration m{
      .name = "02_widen_visits",
      .yaml = R"yaml(operations:
  - alter_column:
      table: users
      column: visits
      type: bigint
      up: visits
      down: LEAST(visits, 2147483647)
)yaml",
      .setup =
          [](MariadbSplit& db) {
            db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
            db.Run("UPDATE users SET visits = id * 10");
          },
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                      (Rows{"id bigint(20) NOT NULL", "name text NOT NULL",
                            "visits bigint(20) NOT NULL"}));
            EXPECT_EQ(db.Query("SELECT id, visits FROM users ORDER BY id"),
                      (Rows{"1|10", "2|20", "3|30", "4|40"}));
          },
  };
  return m;
}

// No triggers and no backfill: every step is DDL or a version object.
const AuditMigration& AuditTablesAndIndexes() {
  static const AuditMigration m{
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
const AuditMigration& AuditCheck() {
  static const AuditMigration m{
      .name = "02_name_long",
      .yaml = R"yaml(operations:
  - create_constraint:
      table: users
      name: users_name_long
      type: check
      columns: [name]
      check: CHAR_LENGTH(name) > 3
      up: {name: "IF(CHAR_LENGTH(name) > 3, name, RPAD(name, 4, '_'))"}
      down: {name: name}
)yaml",
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
  const AuditMigration& m = AuditCheck();
  int kills = AuditKillAfterEveryStep(m, "start", [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"rollback"}, fault));
    AuditExpectAsBefore(db, m, fault);
  });
  EXPECT_GE(kills, 8);  // the swap's steps and the two check triggers
}

TEST(MariadbAuditFault, CheckCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const AuditMigration& m = AuditCheck();
  int kills =
      AuditKillAfterEveryStep(m, "complete", [&m](MariadbSplit& db, const std::string& fault) {
        ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"complete"}, fault));
        AuditExpectComplete(db, m, fault);
      });
  EXPECT_GE(kills, 3);  // the validation, the swap, the check triggers again
}

TEST(MariadbAuditFault, SwapStartKilledAfterEveryStepIsUndoneByRollback) {
  const AuditMigration& m = AuditSwap();
  int kills = AuditKillAfterEveryStep(m, "start", [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"rollback"}, fault));
    AuditExpectAsBefore(db, m, fault);
  });
  // The temporary column, the marker, two triggers, the version's database,
  // view and grants, one backfill batch at least.
  EXPECT_GE(kills, 8);
}

TEST(MariadbAuditFault, SwapCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const AuditMigration& m = AuditSwap();
  int kills =
      AuditKillAfterEveryStep(m, "complete", [&m](MariadbSplit& db, const std::string& fault) {
        ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"complete"}, fault));
        AuditExpectComplete(db, m, fault);
      });
  EXPECT_GE(kills, 2);
}

TEST(MariadbAuditFault, TablesAndIndexesStartKilledAfterEveryStepFinishesWhenRunAgain) {
  const AuditMigration& m = AuditTablesAndIndexes();
  int kills = AuditKillAfterEveryStep(m, "start", [&m](MariadbSplit& db, const std::string& fault) {
    ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"start", AuditFile(db, m)}, fault));
    ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"complete"}, fault));
    AuditExpectComplete(db, m, fault);
  });
  EXPECT_GE(kills, 4);  // the table, the index, the version's database and views
}

TEST(MariadbAuditFault, TablesAndIndexesCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const AuditMigration& m = AuditTablesAndIndexes();
  int kills =
      AuditKillAfterEveryStep(m, "complete", [&m](MariadbSplit& db, const std::string& fault) {
        ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"complete"}, fault));
        AuditExpectComplete(db, m, fault);
      });
  EXPECT_GE(kills, 3);  // the index dropped, the column and the table renamed
}

TEST(MariadbAuditFault, TablesAndIndexesRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  const AuditMigration& m = AuditTablesAndIndexes();
  int kills =
      AuditKillAfterEveryStep(m, "rollback", [&m](MariadbSplit& db, const std::string& fault) {
        ASSERT_NO_FATAL_FAILURE(AuditRun(db, {"rollback"}, fault));
        AuditExpectAsBefore(db, m, fault);
      });
  EXPECT_GE(kills, 2);  // the version's database, the index, the table
}

}  // namespace
}  // namespace zs::engine
