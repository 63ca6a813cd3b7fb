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
using mariadb_audit::ExpectAsBeforeStart;
using mariadb_audit::ExpectCompleted;
using mariadb_audit::KillAfterEachStep;
using mariadb_audit::KilledMigration;
using mariadb_audit::TablesOf;
using mariadb_test::MariadbSplit;

using Rows = std::vector<std::string>;

// The user's CHECK constraint (in the catalog, not a trigger pair) dropped:
// the new version writes short names from start, the old one reads `down`.
const KilledMigration& Fault2DropCheck() {
  static const KilledMigration m{
      .name = "02_drop_name_long",
      .yaml = R"yaml(operations:
  - drop_constraint:
      table: users
      name: users_name_long
      up: name
      down: "IF(CHAR_LENGTH(name) > 3, name, RPAD(name, 4, '_'))"
)yaml",
      .setup =
          [](MariadbSplit& db) {
            db.Run(
                "ALTER TABLE users ADD CONSTRAINT users_name_long CHECK (CHAR_LENGTH(name) > 3)");
          },
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
      .name = "02_users_team_fk",
      .yaml = R"yaml(operations:
  - create_constraint:
      table: users
      name: users_team_fk
      type: foreign_key
      columns: [team]
      references: {table: teams, columns: [id]}
      up: {team: "NULLIF(team, 9)"}
      down: {team: team}
)yaml",
      .setup =
          [](MariadbSplit& db) {
            db.Run("CREATE TABLE teams (id bigint PRIMARY KEY)");
            db.Run("INSERT INTO teams VALUES (1), (2)");
            db.Run("ALTER TABLE users ADD team bigint NULL");
            db.Run("UPDATE users SET team = IF(id = 4, 9, id % 2 + 1)");
          },
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

// The column swap of alter_column's type change.
const KilledMigration& Fault2Swap() {
  static const KilledMigration m{
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
      .expect_complete = [](MariadbSplit&) {},  // rolled back only
  };
  return m;
}

void Fault2AsBefore(const KilledMigration& m, MariadbSplit& db, const std::string& fault) {
  ExpectAsBeforeStart(db, m, fault);
}

TEST(MariadbAuditFault2, DropConstraintStartKilledAfterEveryStepIsUndoneByRollback) {
  const KilledMigration& m = Fault2DropCheck();
  int kills = KillAfterEachStep(m, "start", "rollback", [&m](MariadbSplit& db, const auto& fault) {
    Fault2AsBefore(m, db, fault);
  });
  // The temporary column, its marker, two triggers, the version's database,
  // view and grants, one backfill batch at least.
  EXPECT_GE(kills, 8);
}

TEST(MariadbAuditFault2, DropConstraintCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2DropCheck();
  int kills = KillAfterEachStep(
      m, "complete", "complete",
      [&m](MariadbSplit& db, const auto& fault) { ExpectCompleted(db, m, fault); });
  EXPECT_GE(kills, 2);  // the triggers under the lock, the one ALTER, the rest
}

TEST(MariadbAuditFault2, DropConstraintRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2DropCheck();
  int kills = KillAfterEachStep(
      m, "rollback", "rollback",
      [&m](MariadbSplit& db, const auto& fault) { Fault2AsBefore(m, db, fault); });
  EXPECT_GE(kills, 2);  // the triggers and temporary column, the version's database
}

TEST(MariadbAuditFault2, ForeignKeyStartKilledAfterEveryStepIsUndoneByRollback) {
  const KilledMigration& m = Fault2ForeignKey();
  int kills = KillAfterEachStep(m, "start", "rollback", [&m](MariadbSplit& db, const auto& fault) {
    Fault2AsBefore(m, db, fault);
  });
  EXPECT_GE(kills, 9);  // the swap's steps and the foreign key
}

// The validation of every row runs first in complete: a kill after it runs
// it again.
TEST(MariadbAuditFault2, ForeignKeyCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2ForeignKey();
  int kills = KillAfterEachStep(
      m, "complete", "complete",
      [&m](MariadbSplit& db, const auto& fault) { ExpectCompleted(db, m, fault); });
  EXPECT_GE(kills, 3);  // the validation, the triggers under the lock, the swap
}

TEST(MariadbAuditFault2, SqlStartKilledAfterEveryStepIsUndoneByRollback) {
  const KilledMigration& m = Fault2Sql();
  int kills = KillAfterEachStep(m, "start", "rollback", [&m](MariadbSplit& db, const auto& fault) {
    Fault2AsBefore(m, db, fault);
  });
  EXPECT_GE(kills, 3);  // each statement of `up`
}

TEST(MariadbAuditFault2, SqlRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2Sql();
  int kills = KillAfterEachStep(
      m, "rollback", "rollback",
      [&m](MariadbSplit& db, const auto& fault) { Fault2AsBefore(m, db, fault); });
  EXPECT_GE(kills, 2);  // each statement of `down`
}

TEST(MariadbAuditFault2, SqlOnCompleteKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2SqlOnComplete();
  int kills = KillAfterEachStep(
      m, "complete", "complete",
      [&m](MariadbSplit& db, const auto& fault) { ExpectCompleted(db, m, fault); });
  EXPECT_GE(kills, 3);  // each statement of `up`
}

TEST(MariadbAuditFault2, SwapRollbackKilledAfterEveryStepFinishesWhenRunAgain) {
  const KilledMigration& m = Fault2Swap();
  int kills = KillAfterEachStep(
      m, "rollback", "rollback",
      [&m](MariadbSplit& db, const auto& fault) { Fault2AsBefore(m, db, fault); });
  EXPECT_GE(kills, 2);  // the triggers and the temporary column, the version's database
}

}  // namespace
}  // namespace zs::engine
