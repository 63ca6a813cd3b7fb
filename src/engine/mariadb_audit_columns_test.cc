// Issue 17's lifecycle cases for the column operations on MariaDB, through
// the binary (mariadb_audit_test_util.h): start, rollback, start, complete,
// with the base table, the version database's view and the rows read after
// each, and old and new clients writing between start and complete. The
// split (add_column with up, drop_column with down) has its own suites
// (mariadb_engine_test.cc, mariadb_engine_fault_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"

namespace zs::engine {
namespace {

using mariadb_audit::AsNewClient;
using mariadb_audit::AsOldClient;
using mariadb_audit::ColumnsOf;
using mariadb_audit::InitAndStartMigration;
using mariadb_audit::Phases;
using mariadb_audit::RunLifecycle;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// Between start and complete: an old client inserts row 5 (Grace Hopper)
// leaving the new column out, a new client `new_insert` (row 6); both must
// succeed.
void ColumnsOldAndNewInsert(MariadbSplit& db, const std::string& v, const std::string& new_insert) {
  Status old_row = AsOldClient(db, "INSERT INTO users (id, name) VALUES (5, 'Grace Hopper')");
  ASSERT_TRUE(old_row.ok()) << old_row.ToString();
  Status new_row = AsNewClient(db, v, new_insert);
  ASSERT_TRUE(new_row.ok()) << new_row.ToString();
}

// users.name_length, NOT NULL without a default, filled by `up`.
constexpr char kColumnsNameLengthYaml[] = R"yaml(operations:
  - add_column:
      table: users
      up: CHAR_LENGTH(name)
      column: {name: name_length, type: int, nullable: false}
)yaml";

// users.nick (varchar(20) NULL) made NOT NULL, its NULLs read as 'none'.
constexpr char kColumnsNickNotNullYaml[] = R"yaml(operations:
  - alter_column:
      table: users
      column: nick
      nullable: false
      up: COALESCE(nick, 'none')
      down: nick
)yaml";

// NOT NULL without a default: added nullable at start (an old client's
// INSERT leaves it out), filled by `up`, made NOT NULL at complete.
TEST(MariadbAuditColumns, AddColumnNotNullIsFilledByUpAndNotNullAfterComplete) {
  MariadbSplit db;
  RunLifecycle(
      db, "02_name_length", kColumnsNameLengthYaml,
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                EXPECT_EQ(
                    ColumnsOf(db, v, "users"),
                    (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "name_length int(11)"}));
                EXPECT_EQ(db.Query("SELECT id, name_length FROM `" + v + "`.users ORDER BY id"),
                          (Rows{"1|12", "2|12", "3|14", "4|15"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                ColumnsOldAndNewInsert(db, v,
                                       "INSERT INTO users (id, name, name_length) VALUES (6, "
                                       "'Alan Turing', 99)");
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                          (Rows{"id bigint(20) NOT NULL", "name text NOT NULL",
                                "name_length int(11) NOT NULL"}));
                EXPECT_EQ(db.Query("SELECT id, name_length FROM users ORDER BY id"),
                          (Rows{"1|12", "2|12", "3|14", "4|15", "5|12", "6|99"}));
              },
      });
}

// The new version's view lets a client write NULL into the column until
// complete makes it NOT NULL; complete then stops before anything is dropped
// (the dual write stays), naming the column and the fix, and finishes once
// the row has a value.
TEST(MariadbAuditColumns, AddColumnNotNullStopsCompleteOnANullBeforeDroppingAnything) {
  MariadbSplit db;
  std::string v;
  ASSERT_NO_FATAL_FAILURE(InitAndStartMigration(db, "02_name_length", kColumnsNameLengthYaml, &v));
  Status null_insert = AsNewClient(
      db, v, "INSERT INTO users (id, name, name_length) VALUES (5, 'Alan Turing', NULL)");
  ASSERT_TRUE(null_insert.ok()) << null_insert.ToString();
  std::vector<std::string> triggers = db.Triggers();
  ASSERT_EQ(triggers.size(), 2u);

  ProcessRun complete = db.Zeroshift({"complete"});
  EXPECT_EQ(complete.exit_code, 1) << complete.err;
  EXPECT_NE(complete.err.find("column `" + db.database() +
                              "`.`users`.`name_length` becomes NOT NULL at complete, but some "
                              "rows hold NULL"),
            std::string::npos)
      << complete.err;
  EXPECT_EQ(db.Triggers(), triggers);  // the dual write still runs
  EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "name_length int(11)");

  Status fix = AsNewClient(db, v, "UPDATE users SET name_length = 11 WHERE id = 5");
  ASSERT_TRUE(fix.ok()) << fix.ToString();
  complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "name_length int(11) NOT NULL");
  EXPECT_EQ(db.Query("SELECT id, name_length FROM users ORDER BY id"),
            (Rows{"1|12", "2|12", "3|14", "4|15", "5|11"}));
}

// Nothing changes in the table until complete: the new version's view
// renames the column.
TEST(MariadbAuditColumns, RenameColumnIsAViewUntilComplete) {
  MariadbSplit db;
  RunLifecycle(db, "02_full_name",
               "operations:\n  - rename_column: {table: users, from: name, to: full_name}\n",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                                   (Rows{"id bigint(20) NOT NULL", "name text NOT NULL"}));
                         EXPECT_EQ(ColumnsOf(db, v, "users"),
                                   (Rows{"id bigint(20) NOT NULL", "full_name text NOT NULL"}));
                         EXPECT_EQ(db.Query("SELECT full_name FROM `" + v + "`.users WHERE id = 1"),
                                   (Rows{"Ada Lovelace"}));
                       },
                   .clients =
                       [](MariadbSplit& db, const std::string& v) {
                         Status new_insert = AsNewClient(
                             db, v, "INSERT INTO users (id, full_name) VALUES (5, 'Alan Turing')");
                         ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
                         Status old_update =
                             AsOldClient(db, "UPDATE users SET name = 'Ada King' WHERE id = 1");
                         ASSERT_TRUE(old_update.ok()) << old_update.ToString();
                         EXPECT_EQ(db.Query("SELECT full_name FROM `" + v + "`.users WHERE id = 1"),
                                   (Rows{"Ada King"}));
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                                   (Rows{"id bigint(20) NOT NULL", "full_name text NOT NULL"}));
                         EXPECT_EQ(ColumnsOf(db, v, "users"),
                                   (Rows{"id bigint(20) NOT NULL", "full_name text NOT NULL"}));
                         EXPECT_EQ(
                             db.Query("SELECT CONCAT(id, ':', full_name) FROM users ORDER BY id"),
                             (Rows{"1:Ada King", "2:Donald Ervin", "3:Barbara Liskov",
                                   "4:Edsger Dijkstra", "5:Alan Turing"}));
                       },
               });
}

// INT to BIGINT copies the table in place, so it goes through the column
// swap: the new version writes past INT's range, the old one reads `down`.
TEST(MariadbAuditColumns, AlterColumnTypeWidensThroughTheSwap) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
  db.Run("UPDATE users SET visits = IF(id = 4, 2147483647, id * 10)");
  RunLifecycle(
      db, mariadb_audit::WidenVisits().name, mariadb_audit::WidenVisits().yaml,
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                EXPECT_EQ(ColumnsOf(db, v, "users"),
                          (Rows{"id bigint(20) NOT NULL", "name text NOT NULL",
                                "visits bigint(20) NOT NULL"}));
                EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "visits int(11) NOT NULL");
                EXPECT_EQ(db.Query("SELECT id, visits FROM `" + v + "`.users ORDER BY id"),
                          (Rows{"1|10", "2|20", "3|30", "4|2147483647"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status new_update =
                    AsNewClient(db, v, "UPDATE users SET visits = 2147483648 WHERE id = 4");
                ASSERT_TRUE(new_update.ok()) << new_update.ToString();
                Status old_update = AsOldClient(db, "UPDATE users SET visits = 11 WHERE id = 1");
                ASSERT_TRUE(old_update.ok()) << old_update.ToString();
                EXPECT_EQ(db.Query("SELECT id, visits FROM users WHERE id IN (1, 4) "
                                   "ORDER BY id"),
                          (Rows{"1|11", "4|2147483647"}));
                EXPECT_EQ(db.Query("SELECT id, visits FROM `" + v +
                                   "`.users WHERE id IN (1, 4) ORDER BY id"),
                          (Rows{"1|11", "4|2147483648"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                          (Rows{"id bigint(20) NOT NULL", "name text NOT NULL",
                                "visits bigint(20) NOT NULL"}));
                EXPECT_EQ(db.Query("SELECT id, visits FROM users ORDER BY id"),
                          (Rows{"1|11", "2|20", "3|30", "4|2147483648"}));
              },
      });
}

// The swap's column is nullable until complete, so a new-version client can
// write NULL through the view; complete stops before anything is dropped (on
// main it failed at the MODIFY with 1265, the dual-write triggers gone),
// naming the column and the fix, and finishes once the row has a value.
TEST(MariadbAuditColumns, AlterColumnSetNotNullStopsCompleteOnANullBeforeDroppingAnything) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD nick varchar(20) NULL");
  std::string v;
  ASSERT_NO_FATAL_FAILURE(
      InitAndStartMigration(db, "02_nick_not_null", kColumnsNickNotNullYaml, &v));
  Status null_update = AsNewClient(db, v, "UPDATE users SET nick = NULL WHERE id = 2");
  ASSERT_TRUE(null_update.ok()) << null_update.ToString();
  std::vector<std::string> triggers = db.Triggers();
  ASSERT_FALSE(triggers.empty());

  ProcessRun complete = db.Zeroshift({"complete"});
  EXPECT_EQ(complete.exit_code, 1) << complete.err;
  EXPECT_NE(complete.err.find("`nick` becomes NOT NULL at complete, but some rows hold NULL"),
            std::string::npos)
      << complete.err;
  EXPECT_EQ(db.Triggers(), triggers);  // the dual write still runs

  Status fix = AsNewClient(db, v, "UPDATE users SET nick = 'alan' WHERE id = 2");
  ASSERT_TRUE(fix.ok()) << fix.ToString();
  complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "nick varchar(20) NOT NULL");
  EXPECT_EQ(db.Query("SELECT id, nick FROM users ORDER BY id"),
            (Rows{"1|none", "2|alan", "3|none", "4|none"}));
}

// NULL to NOT NULL: the new version's column is NOT NULL from start, `up`
// gives the old version's NULLs a value.
TEST(MariadbAuditColumns, AlterColumnSetNotNullFillsTheNullsWithUp) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD nick varchar(20) NULL");
  db.Run("UPDATE users SET nick = 'ada' WHERE id = 1");
  RunLifecycle(
      db, "02_nick_not_null", kColumnsNickNotNullYaml,
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                // (The view's column is still nullable here: a new-version NULL
                // stops complete before anything is dropped, next test.)
                EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "nick varchar(20)");
                EXPECT_EQ(db.Query("SELECT id, nick FROM `" + v + "`.users ORDER BY id"),
                          (Rows{"1|ada", "2|none", "3|none", "4|none"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                ColumnsOldAndNewInsert(
                    db, v, "INSERT INTO users (id, name, nick) VALUES (6, 'Alan Turing', 'alan')");
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "nick varchar(20) NOT NULL");
                EXPECT_EQ(db.Query("SELECT id, nick FROM users ORDER BY id"),
                          (Rows{"1|ada", "2|none", "3|none", "4|none", "5|none", "6|alan"}));
              },
      });
}

}  // namespace
}  // namespace zs::engine
