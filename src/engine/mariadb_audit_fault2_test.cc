// The fault suite (kill -9 after every step: engine/fault_injection.h) for
// what mariadb_engine_fault_test.cc and mariadb_audit_fault_test.cc do not
// kill: drop_constraint (the constraint and the old column go in complete's
// one ALTER), create_constraint FOREIGN KEY (added under
// foreign_key_checks=0 at start, every row validated in batches at
// complete), the sql operation (the user's statements, one step each, at
// start, at rollback and at complete) and the rollback of the column swap.
// After each kill `zeroshift status` must name the command to run, and that
// command must finish the job with the database right.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_audit::ColumnsOf;
using mariadb_audit::KilledMigration;
using mariadb_audit::KillsFinishedByComplete;
using mariadb_audit::KillsUndoneByRollback;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;

using Rows = std::vector<std::string>;

// The user's CHECK constraint (in the catalog, not a trigger pair) dropped:
// the new version writes short names from start, the old one reads `down`.
const KilledMigration& Fault2DropCheck() {
  static const KilledMigration m{
      .name = mariadb_audit::kDropNameLongName,
      .yaml = mariadb_audit::kDropNameLongYaml,
      .setup = mariadb_audit::AddNameLongCheck,
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                      (Rows{"id bigint(20) NOT NULL", "name text NOT NULL"}));
            EXPECT_EQ(db.Query("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                               "CONSTRAINT_SCHEMA = DATABASE()"),
                      (Rows{"0"}));
            EXPECT_EQ(db.Query("SELECT CONCAT(id, ':', name) FROM users ORDER BY id"),
                      (Rows{"1:Ada Lovelace", "2:Donald Ervin", "3:Barbara Liskov",
                            "4:Edsger Dijkstra"}));
            Status short_insert = db.Connect().Run("INSERT INTO users VALUES (5, 'Al')");
            EXPECT_TRUE(short_insert.ok()) << short_insert.ToString();
          },
  };
  return m;
}

// A foreign key through the swap; `up` clears the one dangling reference.
const KilledMigration& Fault2ForeignKey() {
  static const KilledMigration m{
      .name = mariadb_audit::kTeamForeignKeyName,
      .yaml = mariadb_audit::TeamForeignKeyYaml(),
      .setup = mariadb_audit::AddTeams,
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                      (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "team bigint(20)"}));
            EXPECT_EQ(db.Query("SELECT CONCAT(CONSTRAINT_NAME, ' ', REFERENCED_TABLE_NAME) FROM "
                               "information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                               "CONSTRAINT_SCHEMA = DATABASE()"),
                      (Rows{"users_team_fk teams"}));
            EXPECT_EQ(db.Query("SELECT id, team FROM users ORDER BY id"),
                      (Rows{"1|2", "2|1", "3|2", "4|NULL"}));
            Status dangling = db.Connect().Run("UPDATE users SET team = 7 WHERE id = 1");
            EXPECT_EQ(mysql::ErrorNumber(dangling), 1452) << dangling.ToString();
          },
  };
  return m;
}

// Three statements at start (each a step), two at rollback; all safe to
// repeat, as the sql operation asks of the user's SQL on MariaDB.
const KilledMigration& Fault2Sql() {
  static const KilledMigration m{
      .name = "02_notes",
      .yaml = R"yaml(operations:
  - sql:
      up: |
        CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text);
        CREATE TABLE IF NOT EXISTS note_tags (note int, tag varchar(20));
        INSERT IGNORE INTO notes VALUES (1, 'first'), (2, 'second')
      down: |
        DROP TABLE IF EXISTS note_tags;
        DROP TABLE IF EXISTS notes
)yaml",
      .setup = [](MariadbSplit&) {},
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(TablesOf(db, db.database()), (Rows{"notes", "note_tags", "users"}));
            EXPECT_EQ(db.Query("SELECT * FROM notes ORDER BY id"), (Rows{"1|first", "2|second"}));
          },
  };
  return m;
}

// The same statements run by complete (onComplete): nothing at start.
const KilledMigration& Fault2SqlOnComplete() {
  static const KilledMigration m{
      .name = "02_notes_on_complete",
      .yaml = R"yaml(operations:
  - sql:
      onComplete: true
      up: |
        CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text);
        CREATE TABLE IF NOT EXISTS note_tags (note int, tag varchar(20));
        INSERT IGNORE INTO notes VALUES (1, 'first'), (2, 'second')
)yaml",
      .setup = [](MariadbSplit&) {},
      .expect_complete = Fault2Sql().expect_complete,
  };
  return m;
}

TEST(MariadbAuditFault2, DropConstraintStartKilledAfterEveryStepIsUndoneByRollback) {
  // The temporary column, its marker, two triggers, the version's database,
  // view and grants, one backfill batch at least.
  EXPECT_GE(KillsUndoneByRollback(Fault2DropCheck(), "start"), 8);
}

TEST(MariadbAuditFault2, DropConstraintCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  // The triggers under the lock, the one ALTER, the rest.
  EXPECT_GE(KillsFinishedByComplete(Fault2DropCheck()), 2);
}

TEST(MariadbAuditFault2, DropConstraintRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  // The triggers and temporary column, the version's database.
  EXPECT_GE(KillsUndoneByRollback(Fault2DropCheck(), "rollback"), 2);
}

TEST(MariadbAuditFault2, ForeignKeyStartKilledAfterEveryStepIsUndoneByRollback) {
  // The swap's steps and the foreign key.
  EXPECT_GE(KillsUndoneByRollback(Fault2ForeignKey(), "start"), 9);
}

// The validation of every row runs first in complete: a kill after it runs
// it again.
TEST(MariadbAuditFault2, ForeignKeyCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  // The validation, the triggers under the lock, the swap.
  EXPECT_GE(KillsFinishedByComplete(Fault2ForeignKey()), 3);
}

TEST(MariadbAuditFault2, SqlStartKilledAfterEveryStepIsUndoneByRollback) {
  EXPECT_GE(KillsUndoneByRollback(Fault2Sql(), "start"), 3);  // each statement of `up`
}

TEST(MariadbAuditFault2, SqlRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  EXPECT_GE(KillsUndoneByRollback(Fault2Sql(), "rollback"), 2);  // each statement of `down`
}

TEST(MariadbAuditFault2, SqlOnCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  EXPECT_GE(KillsFinishedByComplete(Fault2SqlOnComplete()), 3);  // each statement of `up`
}

TEST(MariadbAuditFault2, SwapRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  // The triggers and the temporary column, the version's database.
  EXPECT_GE(KillsUndoneByRollback(mariadb_audit::WidenVisits(), "rollback"), 2);
}

}  // namespace
}  // namespace zs::engine
