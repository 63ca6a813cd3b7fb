// Issue 17's lifecycle cases for the table, index, constraint and sql
// operations on MariaDB, through the binary (mariadb_audit_test_util.h):
// start, rollback (the database exactly as before), start, complete, with the
// catalog and rows read after each, and clients writing between start and
// complete.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_audit::AsNewClient;
using mariadb_audit::AsOldClient;
using mariadb_audit::ColumnsOf;
using mariadb_audit::IndexesOf;
using mariadb_audit::Phases;
using mariadb_audit::RunLifecycle;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;

using Rows = std::vector<std::string>;

TEST(MariadbAuditTables, CreateTableIsInBothVersionsAfterStart) {
  MariadbSplit db;
  RunLifecycle(db, "02_orders", R"yaml(operations:
  - create_table:
      name: orders
      columns:
        - {name: id, type: bigint, pk: true}
        - {name: user_id, type: bigint}
        - {name: note, type: varchar(100), nullable: true}
)yaml",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"orders", "users"}));
                         EXPECT_EQ(TablesOf(db, v), (Rows{"orders", "users"}));
                         EXPECT_EQ(ColumnsOf(db, v, "orders"),
                                   (Rows{"id bigint(20) NOT NULL", "user_id bigint(20) NOT NULL",
                                         "note varchar(100)"}));
                       },
                   .clients =
                       [](MariadbSplit& db, const std::string& v) {
                         Status insert =
                             AsNewClient(db, v, "INSERT INTO orders VALUES (1, 1, 'first')");
                         ASSERT_TRUE(insert.ok()) << insert.ToString();
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(ColumnsOf(db, db.database(), "orders"),
                                   (Rows{"id bigint(20) NOT NULL", "user_id bigint(20) NOT NULL",
                                         "note varchar(100)"}));
                         EXPECT_EQ(db.Query("SELECT * FROM orders"), (Rows{"1|1|first"}));
                       },
               });
}

// The old version keeps the table until complete; the new one does not see it.
TEST(MariadbAuditTables, DropTableLeavesTheNewVersionFirst) {
  MariadbSplit db;
  db.Run("CREATE TABLE old_logs (id int PRIMARY KEY)");
  db.Run("INSERT INTO old_logs VALUES (1)");
  RunLifecycle(db, "02_drop_logs", "operations:\n  - drop_table: {name: old_logs}\n",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"old_logs", "users"}));
                         EXPECT_EQ(TablesOf(db, v), (Rows{"users"}));
                       },
                   .clients =
                       [](MariadbSplit& db, const std::string&) {
                         Status insert = AsOldClient(db, "INSERT INTO old_logs VALUES (2)");
                         ASSERT_TRUE(insert.ok()) << insert.ToString();
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"users"}));
                         EXPECT_EQ(TablesOf(db, v), (Rows{"users"}));
                       },
               });
}

TEST(MariadbAuditTables, RenameTableIsAViewUntilComplete) {
  MariadbSplit db;
  RunLifecycle(db, "02_people", "operations:\n  - rename_table: {from: users, to: people}\n",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"users"}));
                         EXPECT_EQ(TablesOf(db, v), (Rows{"people"}));
                         EXPECT_EQ(db.Query("SELECT name FROM `" + v + "`.people WHERE id = 1"),
                                   (Rows{"Ada Lovelace"}));
                       },
                   .clients =
                       [](MariadbSplit& db, const std::string& v) {
                         Status new_insert = AsNewClient(
                             db, v, "INSERT INTO people (id, name) VALUES (5, 'Alan Turing')");
                         ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
                         Status old_insert =
                             AsOldClient(db, "INSERT INTO users VALUES (6, 'Grace Hopper')");
                         ASSERT_TRUE(old_insert.ok()) << old_insert.ToString();
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string& v) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"people"}));
                         EXPECT_EQ(TablesOf(db, v), (Rows{"people"}));
                         EXPECT_EQ(db.Query("SELECT id FROM people ORDER BY id"),
                                   (Rows{"1", "2", "3", "4", "5", "6"}));
                       },
               });
}

TEST(MariadbAuditTables, CreateIndexIsBuiltAtStartAndKept) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD email varchar(100) NULL");
  RunLifecycle(
      db, "02_email_index", R"yaml(operations:
  - create_index: {name: users_email, table: users, columns: [{column: email}]}
)yaml",
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id", "users_email email"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id", "users_email email"}));
              },
      });
}

TEST(MariadbAuditTables, DropIndexWaitsForComplete) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD email varchar(100) NULL");
  db.Run("CREATE INDEX users_email ON users (email)");
  RunLifecycle(
      db, "02_drop_email_index", "operations:\n  - drop_index: {name: users_email}\n",
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id", "users_email email"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"), (Rows{"PRIMARY unique id"}));
              },
      });
}

// A unique through the column swap: the index is on the new column from
// start, so an old client's duplicate (after `up`) is refused too.
TEST(MariadbAuditTables, CreateUniqueConstraintHoldsForBothVersionsFromStart) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD email varchar(100) NULL");
  db.Run("UPDATE users SET email = CONCAT('U', id, '@example.com')");
  RunLifecycle(
      db, "02_email_unique", R"yaml(operations:
  - create_constraint:
      table: users
      name: users_email_unique
      type: unique
      columns: [email]
      up: {email: LOWER(email)}
      down: {email: email}
)yaml",
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                EXPECT_EQ(
                    ColumnsOf(db, v, "users"),
                    (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "email varchar(100)"}));
                EXPECT_EQ(db.Query("SELECT email FROM `" + v + "`.users WHERE id = 1"),
                          (Rows{"u1@example.com"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status duplicate =
                    AsOldClient(db,
                                "INSERT INTO users (id, name, email) VALUES (5, 'Grace Hopper', "
                                "'U1@EXAMPLE.COM')");
                EXPECT_EQ(mysql::ErrorNumber(duplicate), 1062) << duplicate.ToString();
                Status new_insert =
                    AsNewClient(db, v,
                                "INSERT INTO users (id, name, email) VALUES (6, 'Alan Turing', "
                                "'alan@example.com')");
                ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"),
                          (Rows{"PRIMARY unique id", "users_email_unique unique email"}));
                EXPECT_EQ(db.Query("SELECT CONCAT(id, ':', email) FROM users ORDER BY id"),
                          (Rows{"1:u1@example.com", "2:u2@example.com", "3:u3@example.com",
                                "4:u4@example.com", "6:alan@example.com"}));
              },
      });
}

// A CHECK is a pair of triggers on MariaDB: the new version's writes are
// checked from start, the old version's go through `up`, and the check stays
// after complete.
TEST(MariadbAuditTables, CreateCheckConstraintIsEnforcedByItsTriggers) {
  MariadbSplit db;
  RunLifecycle(
      db, mariadb_audit::kNameLongName, mariadb_audit::kNameLongYaml,
      Phases{
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status short_new =
                    AsNewClient(db, v, "INSERT INTO users (id, name) VALUES (5, 'Al')");
                EXPECT_EQ(mysql::ErrorNumber(short_new), 4025) << short_new.ToString();
                Status short_old = AsOldClient(db, "INSERT INTO users (id, name) VALUES (6, 'Bo')");
                ASSERT_TRUE(short_old.ok()) << short_old.ToString();
                EXPECT_EQ(db.Query("SELECT name FROM `" + v + "`.users WHERE id = 6"),
                          (Rows{"Bo__"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(db.Query("SELECT name FROM users WHERE id = 6"), (Rows{"Bo__"}));
                Status short_insert =
                    AsOldClient(db, "INSERT INTO users (id, name) VALUES (7, 'Cy')");
                EXPECT_EQ(mysql::ErrorNumber(short_insert), 4025) << short_insert.ToString();
              },
      });
}

// The new version writes without the CHECK from start; the old one keeps it
// through `down` until complete drops it.
TEST(MariadbAuditTables, DropCheckConstraintFreesTheNewVersionFirst) {
  MariadbSplit db;
  mariadb_audit::AddNameLongCheck(db);
  RunLifecycle(db, mariadb_audit::kDropNameLongName, mariadb_audit::kDropNameLongYaml,
               Phases{
                   .clients =
                       [](MariadbSplit& db, const std::string& v) {
                         Status short_new =
                             AsNewClient(db, v, "INSERT INTO users (id, name) VALUES (5, 'Al')");
                         ASSERT_TRUE(short_new.ok()) << short_new.ToString();
                         EXPECT_EQ(db.Query("SELECT name FROM users WHERE id = 5"), (Rows{"Al__"}));
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(db.Query("SELECT name FROM users WHERE id = 5"), (Rows{"Al"}));
                         Status short_insert =
                             AsOldClient(db, "INSERT INTO users (id, name) VALUES (6, 'Cy')");
                         EXPECT_TRUE(short_insert.ok()) << short_insert.ToString();
                         EXPECT_EQ(db.Query("SELECT COUNT(*) FROM information_schema."
                                            "CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                                            "DATABASE()"),
                                   (Rows{"0"}));
                       },
               });
}

// Both columns through the swap without the CHECK: the new version writes
// what it broke, the old one reads `down` until complete drops the CHECK.
TEST(MariadbAuditTables, DropMulticolumnConstraintFreesTheNewVersionFirst) {
  MariadbSplit db;
  db.Run(
      "ALTER TABLE users ADD zip int NOT NULL DEFAULT 1, ADD CONSTRAINT users_zip_name CHECK "
      "(CHAR_LENGTH(name) > 3 OR zip > 0)");
  RunLifecycle(
      db, "02_drop_zip_name", R"yaml(operations:
  - drop_multicolumn_constraint:
      table: users
      name: users_zip_name
      up: {name: name, zip: zip}
      down: {name: "IF(CHAR_LENGTH(name) > 3 OR zip > 0, name, RPAD(name, 4, '_'))", zip: zip}
)yaml",
      Phases{
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status broken =
                    AsNewClient(db, v, "INSERT INTO users (id, name, zip) VALUES (5, 'Al', -1)");
                ASSERT_TRUE(broken.ok()) << broken.ToString();
                EXPECT_EQ(db.Query("SELECT CONCAT(name, '|', zip) FROM users WHERE id = 5"),
                          (Rows{"Al__|-1"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(db.Query("SELECT CONCAT(name, '|', zip) FROM users WHERE id = 5"),
                          (Rows{"Al|-1"}));
                EXPECT_EQ(db.Query("SELECT COUNT(*) FROM information_schema."
                                   "CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                                   "DATABASE()"),
                          (Rows{"0"}));
              },
      });
}

TEST(MariadbAuditTables, RenameConstraintAtComplete) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD email varchar(100) NULL, ADD UNIQUE KEY users_email_key (email)");
  RunLifecycle(db, "02_rename_email_key", R"yaml(operations:
  - rename_constraint: {table: users, from: users_email_key, to: users_email_unique}
)yaml",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(IndexesOf(db, "users"),
                                   (Rows{"PRIMARY unique id", "users_email_key unique email"}));
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(IndexesOf(db, "users"),
                                   (Rows{"PRIMARY unique id", "users_email_unique unique email"}));
                       },
               });
}

// The user's statements run at start; `down` at rollback.
TEST(MariadbAuditTables, SqlRunsUpAtStartAndDownAtRollback) {
  MariadbSplit db;
  RunLifecycle(db, "02_notes", R"yaml(operations:
  - sql:
      up: CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text)
      down: DROP TABLE IF EXISTS notes
)yaml",
               Phases{
                   .after_start =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"notes", "users"}));
                       },
                   .after_complete =
                       [](MariadbSplit& db, const std::string&) {
                         EXPECT_EQ(TablesOf(db, db.database()), (Rows{"notes", "users"}));
                       },
               });
}

}  // namespace
}  // namespace zs::engine
