// Issue 17's lifecycle cases, through the binary (mariadb_audit_test_util.h:
// start, rollback exactly, start, complete, every view read), for the
// constraints the column swap adds on MariaDB that the other audit suites do
// not run: create_constraint FOREIGN KEY (added under foreign_key_checks=0,
// so the existing rows are checked by the backfill's UPDATEs and again by
// complete's validation), and alter_column's unique, references, default and
// comment. What MariaDB cannot do online is refused by `start` before
// anything runs, naming the operation.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_audit::AddTeams;
using mariadb_audit::AsNewClient;
using mariadb_audit::AsOldClient;
using mariadb_audit::ColumnsOf;
using mariadb_audit::IndexesOf;
using mariadb_audit::InitAndStartMigration;
using mariadb_audit::kTeamForeignKeyName;
using mariadb_audit::Phases;
using mariadb_audit::RunLifecycle;
using mariadb_audit::Snapshot;
using mariadb_audit::StatusJson;
using mariadb_audit::TeamForeignKeyYaml;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// The foreign keys of users: "name column -> table.column".
Rows ConstraintsForeignKeys(MariadbSplit& db) {
  return db.Query(
      "SELECT CONCAT(CONSTRAINT_NAME, ' ', COLUMN_NAME, ' -> ', REFERENCED_TABLE_NAME, '.', "
      "REFERENCED_COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = "
      "DATABASE() AND TABLE_NAME = 'users' AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY 1");
}

// Both versions' writes are held to the foreign key from start (the new
// column's value is what InnoDB checks, `up` of an old client's included).
void ConstraintsTeamClients(MariadbSplit& db, const std::string& v) {
  Status old_dangling =
      AsOldClient(db, "INSERT INTO users (id, name, team) VALUES (5, 'Grace Hopper', 7)");
  EXPECT_EQ(mysql::ErrorNumber(old_dangling), 1452) << old_dangling.ToString();
  Status new_dangling = AsNewClient(db, v, "UPDATE users SET team = 8 WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(new_dangling), 1452) << new_dangling.ToString();
  Status new_insert =
      AsNewClient(db, v, "INSERT INTO users (id, name, team) VALUES (6, 'Alan Turing', 1)");
  ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
  Status old_update = AsOldClient(db, "UPDATE users SET team = 1 WHERE id = 3");
  ASSERT_TRUE(old_update.ok()) << old_update.ToString();
  // A referenced team cannot go while the new version points at it.
  Status orphaning = AsOldClient(db, "DELETE FROM teams WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(orphaning), 1451) << orphaning.ToString();
  EXPECT_EQ(db.Query("SELECT id, team FROM `" + v + "`.users ORDER BY id"),
            (Rows{"1|2", "2|1", "3|1", "4|NULL", "6|1"}));
}

void ConstraintsTeamsComplete(MariadbSplit& db, const std::string& fk) {
  EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
            (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "team bigint(20)"}));
  EXPECT_EQ(ConstraintsForeignKeys(db), (Rows{fk + " team -> teams.id"}));
  EXPECT_EQ(db.Query("SELECT id, team FROM users ORDER BY id"),
            (Rows{"1|2", "2|1", "3|1", "4|NULL", "6|1"}));
  Status dangling = AsOldClient(db, "UPDATE users SET team = 7 WHERE id = 1");
  EXPECT_EQ(mysql::ErrorNumber(dangling), 1452) << dangling.ToString();
}

// The lifecycle of a foreign key `fk` on users.team (AddTeams) through the
// swap with `up` NULLIF(team, 9): after start (and `first`'s checks) the new
// version reads `up` and the key is on the temporary column; both versions'
// clients are held to it; after complete it is on team.
Phases ConstraintsTeamPhases(
    const std::string& fk,
    const std::function<void(MariadbSplit&, const std::string&)>& first = nullptr) {
  return Phases{
      .after_start =
          [fk, first](MariadbSplit& db, const std::string& v) {
            if (first) first(db, v);
            EXPECT_EQ(db.Query("SELECT id, team FROM `" + v + "`.users ORDER BY id"),
                      (Rows{"1|2", "2|1", "3|2", "4|NULL"}));
            EXPECT_EQ(ConstraintsForeignKeys(db), (Rows{fk + " _zs_new_team -> teams.id"}));
          },
      .clients = ConstraintsTeamClients,
      .after_complete = [fk](MariadbSplit& db,
                             const std::string&) { ConstraintsTeamsComplete(db, fk); },
  };
}

TEST(MariadbAuditConstraints, CreateForeignKeyHoldsForBothVersionsFromStart) {
  MariadbSplit db;
  AddTeams(db);
  RunLifecycle(db, kTeamForeignKeyName, TeamForeignKeyYaml(),
               ConstraintsTeamPhases("users_team_fk", [](MariadbSplit& db, const std::string& v) {
                 EXPECT_EQ(
                     ColumnsOf(db, v, "users"),
                     (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "team bigint(20)"}));
                 // The old version keeps its dangling row; the new one reads `up`.
                 EXPECT_EQ(db.Query("SELECT id, team FROM users ORDER BY id"),
                           (Rows{"1|2", "2|1", "3|2", "4|9"}));
               }));
}

// An existing row whose `up` breaks the foreign key: the backfill's UPDATE
// (checked by InnoDB) stops start, naming the constraint; status explains,
// and once the row is fixed the same start finishes the backfill.
TEST(MariadbAuditConstraints, CreateForeignKeyStopsStartOnAnExistingRowThatBreaksIt) {
  MariadbSplit db;
  AddTeams(db);
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string file =
      db.WriteFile(std::string(kTeamForeignKeyName) + ".yaml", TeamForeignKeyYaml("team"));
  ProcessRun start = db.Zeroshift({"start", file});
  EXPECT_NE(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("users_team_fk"), std::string::npos) << start.err;
  nlohmann::json status = StatusJson(db);
  ASSERT_TRUE(status["active"].is_object()) << status.dump();
  EXPECT_NE(status["active"]["next"].get<std::string>().find("`zeroshift rollback`"),
            std::string::npos)
      << status.dump();

  db.Run("INSERT INTO teams VALUES (9)");
  start = db.Zeroshift({"start", file});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  ProcessRun complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(ConstraintsForeignKeys(db), (Rows{"users_team_fk team -> teams.id"}));
  EXPECT_EQ(db.Query("SELECT id, team FROM users ORDER BY id"), (Rows{"1|2", "2|1", "3|2", "4|9"}));
}

// A row written past the check (a client with foreign_key_checks=0) fails
// complete's validation before anything is dropped, naming the row; once it
// is fixed complete finishes.
TEST(MariadbAuditConstraints, CreateForeignKeyCompleteValidatesEveryRow) {
  MariadbSplit db;
  AddTeams(db);
  std::string v;
  ASSERT_NO_FATAL_FAILURE(InitAndStartMigration(db, kTeamForeignKeyName, TeamForeignKeyYaml(), &v));
  {
    mysql::Connection conn = db.Connect();
    ASSERT_TRUE(conn.Run("USE `" + v + "`").ok());
    ASSERT_TRUE(conn.Run("SET @zeroshift_version = '" + v + "', foreign_key_checks = 0").ok());
    Status write = conn.Run("UPDATE users SET team = 8 WHERE id = 2");
    ASSERT_TRUE(write.ok()) << write.ToString();
  }
  std::vector<std::string> triggers = db.Triggers();
  ProcessRun complete = db.Zeroshift({"complete"});
  EXPECT_NE(complete.exit_code, 0) << complete.err;
  EXPECT_NE(complete.err.find("`users_team_fk` of table `users`: existing row with `id` = 2"),
            std::string::npos)
      << complete.err;
  EXPECT_EQ(db.Triggers(), triggers);  // the dual write still runs
  EXPECT_EQ(ColumnsOf(db, db.database(), "users").size(), 5u) << "nothing dropped";

  Status fix = AsNewClient(db, v, "UPDATE users SET team = 1 WHERE id = 2");
  ASSERT_TRUE(fix.ok()) << fix.ToString();
  complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(ConstraintsForeignKeys(db), (Rows{"users_team_fk team -> teams.id"}));
  EXPECT_EQ(db.Query("SELECT id, team FROM users ORDER BY id"),
            (Rows{"1|2", "2|1", "3|2", "4|NULL"}));
}

TEST(MariadbAuditConstraints, AlterColumnReferencesHoldsForBothVersionsFromStart) {
  MariadbSplit db;
  AddTeams(db);
  RunLifecycle(db, "02_team_references", R"yaml(operations:
  - alter_column:
      table: users
      column: team
      references: {name: users_team_ref, table: teams, column: id}
      up: NULLIF(team, 9)
      down: team
)yaml",
               ConstraintsTeamPhases("users_team_ref"));
}

// The unique index is on the new column from start, so an old client's
// duplicate (after `up`) is refused too.
TEST(MariadbAuditConstraints, AlterColumnUniqueHoldsForBothVersionsFromStart) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD nick varchar(20) NULL");
  db.Run("UPDATE users SET nick = IF(id = 4, NULL, CONCAT('N', id))");
  RunLifecycle(
      db, "02_nick_unique", R"yaml(operations:
  - alter_column:
      table: users
      column: nick
      unique: {name: users_nick_key}
      up: LOWER(nick)
      down: nick
)yaml",
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                EXPECT_EQ(db.Query("SELECT id, nick FROM `" + v + "`.users ORDER BY id"),
                          (Rows{"1|n1", "2|n2", "3|n3", "4|NULL"}));
                EXPECT_EQ(IndexesOf(db, "users"),
                          (Rows{"PRIMARY unique id", "users_nick_key unique _zs_new_nick"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status old_duplicate =
                    AsOldClient(db, "INSERT INTO users (id, name, nick) VALUES (5, 'Grace', 'N1')");
                EXPECT_EQ(mysql::ErrorNumber(old_duplicate), 1062) << old_duplicate.ToString();
                Status new_duplicate =
                    AsNewClient(db, v, "UPDATE users SET nick = 'n2' WHERE id = 3");
                EXPECT_EQ(mysql::ErrorNumber(new_duplicate), 1062) << new_duplicate.ToString();
                Status new_insert = AsNewClient(
                    db, v, "INSERT INTO users (id, name, nick) VALUES (6, 'Alan', 'al')");
                ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
                Status null_twice =
                    AsOldClient(db, "INSERT INTO users (id, name, nick) VALUES (7, 'Edgar', NULL)");
                ASSERT_TRUE(null_twice.ok()) << null_twice.ToString();
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(IndexesOf(db, "users"),
                          (Rows{"PRIMARY unique id", "users_nick_key unique nick"}));
                EXPECT_EQ(ColumnsOf(db, db.database(), "users")[2], "nick varchar(20)");
                EXPECT_EQ(db.Query("SELECT id, nick FROM users ORDER BY id"),
                          (Rows{"1|n1", "2|n2", "3|n3", "4|NULL", "6|al", "7|NULL"}));
                Status duplicate =
                    AsOldClient(db, "INSERT INTO users (id, name, nick) VALUES (8, 'X', 'al')");
                EXPECT_EQ(mysql::ErrorNumber(duplicate), 1062) << duplicate.ToString();
              },
      });
}

// "default|comment" of users.nick as the catalog has it.
Rows ConstraintsNickDefaultAndComment(MariadbSplit& db, const std::string& column = "nick") {
  return db.Query(
      "SELECT CONCAT(IFNULL(COLUMN_DEFAULT, 'NULL'), '|', COLUMN_COMMENT) FROM "
      "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND "
      "COLUMN_NAME = " +
      mysql::QuoteLiteral(column));
}

// The new default is the temporary column's from start, so the new version's
// INSERT that leaves the column out gets it while the old version's keeps the
// old one (and the new version reads its `up`); at complete the column has
// the default and the comment.
TEST(MariadbAuditConstraints, AlterColumnDefaultAndCommentAreTheNewVersionsFromStart) {
  MariadbSplit db;
  db.Run("ALTER TABLE users ADD nick varchar(20) NULL DEFAULT 'old' COMMENT 'was'");
  RunLifecycle(
      db, "02_nick_default", R"yaml(operations:
  - alter_column:
      table: users
      column: nick
      default: "'anon'"
      comment: "the user's nickname"
      up: nick
      down: nick
)yaml",
      Phases{
          .after_start =
              [](MariadbSplit& db, const std::string& v) {
                EXPECT_EQ(ConstraintsNickDefaultAndComment(db), (Rows{"'old'|was"}));
                EXPECT_EQ(ConstraintsNickDefaultAndComment(db, "_zs_new_nick"),
                          (Rows{"'anon'|the user's nickname"}));
                EXPECT_EQ(db.Query("SELECT id, nick FROM `" + v + "`.users ORDER BY id"),
                          (Rows{"1|old", "2|old", "3|old", "4|old"}));
              },
          .clients =
              [](MariadbSplit& db, const std::string& v) {
                Status new_insert =
                    AsNewClient(db, v, "INSERT INTO users (id, name) VALUES (5, 'Alan Turing')");
                ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
                Status old_insert =
                    AsOldClient(db, "INSERT INTO users (id, name) VALUES (6, 'Grace')");
                ASSERT_TRUE(old_insert.ok()) << old_insert.ToString();
                EXPECT_EQ(db.Query("SELECT id, nick FROM users WHERE id > 4 ORDER BY id"),
                          (Rows{"5|anon", "6|old"}));
                EXPECT_EQ(
                    db.Query("SELECT id, nick FROM `" + v + "`.users WHERE id > 4 ORDER BY id"),
                    (Rows{"5|anon", "6|old"}));
              },
          .after_complete =
              [](MariadbSplit& db, const std::string&) {
                EXPECT_EQ(ConstraintsNickDefaultAndComment(db),
                          (Rows{"'anon'|the user's nickname"}));
                Status insert = AsOldClient(db, "INSERT INTO users (id, name) VALUES (7, 'Edgar')");
                ASSERT_TRUE(insert.ok()) << insert.ToString();
                EXPECT_EQ(db.Query("SELECT id, nick FROM users ORDER BY id"),
                          (Rows{"1|old", "2|old", "3|old", "4|old", "5|anon", "6|old", "7|anon"}));
              },
      });
}

// What MariaDB cannot do online is refused by start before anything runs:
// the message names the operation and what to do, and the database, the
// state and the version databases are as before.
TEST(MariadbAuditConstraints, WhatMariadbCannotDoOnlineIsRefusedBeforeAnythingRuns) {
  MariadbSplit db;
  AddTeams(db);
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::vector<std::string> before = Snapshot(db);
  struct Refused {
    std::string yaml;
    std::vector<std::string> says;
  };
  const Refused cases[] = {
      {R"yaml(operations:
  - alter_column:
      table: users
      column: team
      references: {name: users_team_ref, table: teams, column: id, deferrable: true}
      up: team
      down: team
)yaml",
       {"alter_column: cannot run on MariaDB", "DEFERRABLE", "remove `deferrable`"}},
      {R"yaml(operations:
  - create_constraint:
      table: users
      name: users_team_fk
      type: foreign_key
      columns: [team]
      references: {table: teams, columns: [id], match_type: FULL}
      up: {team: team}
      down: {team: team}
)yaml",
       {"create_constraint: cannot run on MariaDB", "MATCH FULL", "use MATCH SIMPLE"}},
      {R"yaml(operations:
  - alter_column:
      table: users
      column: id
      type: int
      up: id
      down: id
)yaml",
       {"alter_column: cannot run on MariaDB", "index \"PRIMARY\""}},
  };
  for (const Refused& refused : cases) {
    std::string file = db.WriteFile("02_refused.yaml", refused.yaml);
    ProcessRun start = db.Zeroshift({"start", file});
    EXPECT_NE(start.exit_code, 0) << refused.yaml;
    for (const std::string& part : refused.says) {
      EXPECT_NE(start.err.find(part), std::string::npos) << start.err << "\nlacks: " << part;
    }
    EXPECT_EQ(Snapshot(db), before) << start.err;
    EXPECT_TRUE(StatusJson(db)["active"].is_null()) << start.err;
  }
}

}  // namespace
}  // namespace zs::engine
