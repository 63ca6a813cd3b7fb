// For the issue-17 audit's lifecycle tests (mariadb_audit_*_test.cc): one
// migration through the binary on a real MariaDB, start, rollback, start
// again, complete, with the database read after each command: after start the
// base table and the version database's views and rows, after rollback the
// database exactly as before start, after complete the shape and rows the
// operation promises (including what old and new clients wrote meanwhile).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine::mariadb_audit {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// What a rollback must give back: each table's definition and rows, the
// triggers and the version databases.
inline std::vector<std::string> Snapshot(MariadbSplit& db) {
  std::vector<std::string> out;
  for (const std::string& table :
       db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                "ORDER BY TABLE_NAME")) {
    out.push_back(db.Query("SHOW CREATE TABLE `" + table + "`").front());
    for (const std::string& row : db.Query("SELECT * FROM `" + table + "` ORDER BY 1")) {
      out.push_back(table + ": " + row);
    }
  }
  for (const std::string& trigger : db.Triggers()) out.push_back("trigger " + trigger);
  for (const std::string& version : db.VersionDatabases()) out.push_back("version " + version);
  return out;
}

// "name type" of each column of `table` in `database` (a table, or a view of
// a version database), in order.
inline std::vector<std::string> ColumnsOf(MariadbSplit& db, const std::string& database,
                                          const std::string& table) {
  return db.Query(
      "SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, IF(IS_NULLABLE = 'YES', '', ' NOT NULL')) "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
      mysql::QuoteLiteral(database) + " AND TABLE_NAME = " + mysql::QuoteLiteral(table) +
      " ORDER BY ORDINAL_POSITION");
}

// The tables (or views) of `database`.
inline std::vector<std::string> TablesOf(MariadbSplit& db, const std::string& database) {
  return db.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                  mysql::QuoteLiteral(database) + " ORDER BY TABLE_NAME");
}

// "index_name [unique] columns" of each index of `table`.
inline std::vector<std::string> IndexesOf(MariadbSplit& db, const std::string& table) {
  return db.Query(
      "SELECT CONCAT(INDEX_NAME, IF(NON_UNIQUE = 0, ' unique ', ' '), GROUP_CONCAT(COLUMN_NAME "
      "ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
      "DATABASE() AND TABLE_NAME = " +
      mysql::QuoteLiteral(table) +
      " GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME");
}

// `sql` run by a client of `version` (the variable set, as start prints it),
// on its own connection; the server's answer.
inline Status AsNewClient(MariadbSplit& db, const std::string& version, const std::string& sql) {
  mysql::Connection conn = db.Connect();
  ZS_RETURN_IF_ERROR(conn.Run("USE " + mysql::QuoteIdentifier(version)));
  ZS_RETURN_IF_ERROR(conn.Run("SET @zeroshift_version = " + mysql::QuoteLiteral(version)));
  return conn.Run(sql);
}

// `sql` run by an old client (the tables of the database, no variable).
inline Status AsOldClient(MariadbSplit& db, const std::string& sql) {
  mysql::Connection conn = db.Connect();
  return conn.Run(sql);
}

inline nlohmann::json StatusJson(MariadbSplit& db) {
  ProcessRun status = db.Zeroshift({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  return nlohmann::json::parse(status.out, nullptr, false);
}

// init (no baseline version), then `zeroshift start` of the migration `name`
// (`yaml`), which must succeed; `*version` is the version database start
// made. Call it in ASSERT_NO_FATAL_FAILURE.
inline void InitAndStartMigration(MariadbSplit& db, const std::string& name,
                                  const std::string& yaml, std::string* version) {
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun start = db.Zeroshift({"start", db.WriteFile(name + ".yaml", yaml)});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  *version = versions::MariadbVersionDatabaseName(db.database(), name, "");
}

// What to read or do after each command; any may be empty.
struct Phases {
  // After the first start: the shape of both versions and the backfilled rows.
  std::function<void(MariadbSplit&, const std::string& version)> after_start;
  // After the second start: old and new clients write (and read what the
  // dual write made of it).
  std::function<void(MariadbSplit&, const std::string& version)> clients;
  // After complete: the final shape and rows.
  std::function<void(MariadbSplit&, const std::string& version)> after_complete;
};

// init (no baseline version), then the migration `name` (`yaml`): start,
// rollback (the database exactly as before), start, complete. No zeroshift
// trigger is left after complete, and only the new version's database.
inline void RunLifecycle(MariadbSplit& db, const std::string& name, const std::string& yaml,
                         const Phases& phases) {
  ProcessRun init = db.Zeroshift({"init", "--no-baseline-version"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::string file = db.WriteFile(name + ".yaml", yaml);
  std::string version = versions::MariadbVersionDatabaseName(db.database(), name, "");
  std::vector<std::string> before = Snapshot(db);

  ProcessRun start = db.Zeroshift({"start", file});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  nlohmann::json status = StatusJson(db);
  ASSERT_TRUE(status["active"].is_object()) << status.dump();
  EXPECT_EQ(status["active"]["name"], name);
  EXPECT_EQ(status["new_clients_sql"],
            "USE `" + version + "`; SET @zeroshift_version = '" + version + "'");
  EXPECT_EQ(db.VersionDatabases(), (std::vector<std::string>{version}));
  if (phases.after_start) {
    ASSERT_NO_FATAL_FAILURE(phases.after_start(db, version));
  }

  ProcessRun rollback = db.Zeroshift({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Snapshot(db), before) << "after rollback";
  EXPECT_TRUE(StatusJson(db)["active"].is_null());

  start = db.Zeroshift({"start", file});
  ASSERT_EQ(start.exit_code, 0) << "start after rollback: " << start.err;
  if (phases.clients) {
    ASSERT_NO_FATAL_FAILURE(phases.clients(db, version));
  }
  ProcessRun complete = db.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_TRUE(StatusJson(db)["active"].is_null());
  EXPECT_EQ(db.VersionDatabases(), (std::vector<std::string>{version}));
  for (const std::string& trigger : db.Triggers()) {
    EXPECT_NE(trigger.rfind("_zs_", 0), 0u) << "left after complete: " << trigger;
  }
  // The version stays for the new clients: each of its views still reads
  // (a view names its columns, so one over a renamed column fails, 1356).
  for (const std::string& view : TablesOf(db, version)) {
    Status read = AsNewClient(db, version, "SELECT * FROM " + mysql::QuoteIdentifier(view));
    EXPECT_TRUE(read.ok()) << "after complete, view " << version << "." << view << ": "
                           << read.ToString();
  }
  if (phases.after_complete) {
    ASSERT_NO_FATAL_FAILURE(phases.after_complete(db, version));
  }
}

// ---- The fault suite's loop (kill -9 after every step: engine/fault_injection.h)

// One migration killed after every step: the tables it starts from (after
// MariadbSplit's users table) and what complete must leave.
struct KilledMigration {
  std::string name;
  std::string yaml;
  std::function<void(MariadbSplit&)> setup;
  std::function<void(MariadbSplit&)> expect_complete;
};

inline std::string KilledFile(MariadbSplit& db, const KilledMigration& m) {
  return db.WriteFile(m.name + ".yaml", m.yaml);
}

// `zeroshift args` must succeed.
inline void ExpectRuns(MariadbSplit& db, const std::vector<std::string>& args,
                       const std::string& fault) {
  ProcessRun run = db.Zeroshift(args);
  ASSERT_EQ(run.exit_code, 0) << fault << ": " << args[0] << ": " << run.err;
}

// After a kill, `zeroshift status` names the migration and, once the server
// has noticed the killed runner's connection gone (until then it says a
// process is at work), the command `recover` (a status answer waited for,
// not a sleep).
inline void ExpectStatusNames(MariadbSplit& db, const KilledMigration& m,
                              const std::string& recover, const std::string& fault) {
  nlohmann::json json;
  bool named = zs::testing::WaitUntil(
      [&] {
        json = StatusJson(db);
        return json["active"].is_object() && json["active"]["next"].is_string() &&
               json["active"]["next"].get<std::string>().find("`zeroshift " + recover) !=
                   std::string::npos;
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(named) << fault << ": status does not name `zeroshift " << recover
                     << "`: " << json.dump();
  EXPECT_EQ(json["active"]["name"], m.name) << fault;
}

// The database as before start: what a fresh fixture with the setup holds
// (SHOW CREATE TABLE and rows carry no database name; the fixtures' differ).
inline void ExpectAsBeforeStart(MariadbSplit& db, const KilledMigration& m,
                                const std::string& fault) {
  MariadbSplit fresh;
  m.setup(fresh);
  EXPECT_EQ(Snapshot(db), Snapshot(fresh)) << fault;
  EXPECT_TRUE(StatusJson(db)["active"].is_null()) << fault;
}

// After complete: no zeroshift trigger, the new version only, no active
// migration, and what the migration promises.
inline void ExpectCompleted(MariadbSplit& db, const KilledMigration& m, const std::string& fault) {
  SCOPED_TRACE(fault);
  for (const std::string& trigger : db.Triggers()) {  // a CHECK's own triggers stay
    EXPECT_NE(trigger.rfind("_zs_", 0), 0u) << "left after complete: " << trigger;
  }
  EXPECT_EQ(
      db.VersionDatabases(),
      (std::vector<std::string>{versions::MariadbVersionDatabaseName(db.database(), m.name, "")}));
  EXPECT_TRUE(StatusJson(db)["active"].is_null());
  m.expect_complete(db);
}

// Kills `command` (start, complete or rollback; the two last after a start)
// after its k-th step for k = 1, 2, ... until it finishes unkilled, each time
// on a fresh fixture with the setup; after each kill `after_kill(db, file,
// fault)` checks the state and recovers. Returns the number of kills.
inline int KillAfterEachStepThen(const KilledMigration& m, const std::string& command,
                                 const std::function<void(MariadbSplit&, const std::string& file,
                                                          const std::string& fault)>& after_kill) {
  constexpr int kMaxSteps = 40;  // past the last step the command ends; a guard against a loop
  for (int k = 1; k <= kMaxSteps; ++k) {
    MariadbSplit db;
    m.setup(db);
    ProcessRun init = db.Zeroshift({"init", "--no-baseline-version"});
    EXPECT_EQ(init.exit_code, 0) << init.err;
    std::string file = KilledFile(db, m);
    if (command != "start") {
      ProcessRun start = db.Zeroshift({"start", file});
      EXPECT_EQ(start.exit_code, 0) << start.err;
      if (start.exit_code != 0) return k;
    }
    std::string fault = command + ":" + std::to_string(k);
    std::vector<std::string> args{command};
    if (command == "start") args.push_back(file);
    ProcessRun run = db.Zeroshift(args, fault);
    if (run.exit_code == 0) return k - 1;
    EXPECT_EQ(run.exit_code, -1) << fault << ": " << run.err;  // killed, not failed
    if (run.exit_code != -1) return k;
    after_kill(db, file, fault);
  }
  ADD_FAILURE() << command << " was still being killed after " << kMaxSteps << " steps";
  return kMaxSteps;
}

// KillAfterEachStepThen where after each kill status must name `recover`,
// and `zeroshift recover` (then `finish`, when given) must succeed and
// `expect` hold.
inline int KillAfterEachStep(const KilledMigration& m, const std::string& command,
                             const std::string& recover,
                             const std::function<void(MariadbSplit&, const std::string&)>& expect,
                             const std::string& finish = "") {
  return KillAfterEachStepThen(
      m, command, [&](MariadbSplit& db, const std::string& file, const std::string& fault) {
        ExpectStatusNames(db, m, recover, fault);
        std::vector<std::string> again{recover};
        if (recover == "start") again.push_back(file);
        ExpectRuns(db, again, fault);
        if (!finish.empty()) ExpectRuns(db, {finish}, fault);
        expect(db, fault);
      });
}

// Kills `command` after each step; status must name `zeroshift rollback`,
// and rollback must leave the database as before start.
inline int KillsUndoneByRollback(const KilledMigration& m, const std::string& command) {
  return KillAfterEachStep(
      m, command, "rollback",
      [&m](MariadbSplit& db, const std::string& fault) { ExpectAsBeforeStart(db, m, fault); });
}

// Kills complete after each step; status must name `zeroshift complete`, and
// complete run again must finish the migration (ExpectCompleted).
inline int KillsFinishedByComplete(const KilledMigration& m) {
  return KillAfterEachStep(
      m, "complete", "complete",
      [&m](MariadbSplit& db, const std::string& fault) { ExpectCompleted(db, m, fault); });
}

// ---- Migrations more than one suite runs

// teams(1, 2) and users.team: 2, 1, 2 and a dangling 9 on row 4.
inline void AddTeams(MariadbSplit& db) {
  db.Run("CREATE TABLE teams (id bigint PRIMARY KEY)");
  db.Run("INSERT INTO teams VALUES (1), (2)");
  db.Run("ALTER TABLE users ADD team bigint NULL");
  db.Run("UPDATE users SET team = IF(id = 4, 9, id % 2 + 1)");
}

// A foreign key on users.team (AddTeams) through the swap; `up` (YAML) by
// default clears the one dangling reference.
inline constexpr char kTeamForeignKeyName[] = "02_users_team_fk";
inline std::string TeamForeignKeyYaml(const std::string& up = "\"NULLIF(team, 9)\"") {
  return R"yaml(operations:
  - create_constraint:
      table: users
      name: users_team_fk
      type: foreign_key
      columns: [team]
      references: {table: teams, columns: [id]}
      up: {team: )yaml" +
         up + R"yaml(}
      down: {team: team}
)yaml";
}

// A CHECK on users.name (a pair of triggers on MariaDB); `up` pads a short
// name.
inline constexpr char kNameLongName[] = "02_name_long";
inline constexpr char kNameLongYaml[] = R"yaml(operations:
  - create_constraint:
      table: users
      name: users_name_long
      type: check
      columns: [name]
      check: CHAR_LENGTH(name) > 3
      up: {name: "IF(CHAR_LENGTH(name) > 3, name, RPAD(name, 4, '_'))"}
      down: {name: name}
)yaml";

// The user's CHECK on users.name (in the catalog: AddNameLongCheck) dropped;
// the old version reads `down`, which pads a short name.
inline void AddNameLongCheck(MariadbSplit& db) {
  db.Run("ALTER TABLE users ADD CONSTRAINT users_name_long CHECK (CHAR_LENGTH(name) > 3)");
}
inline constexpr char kDropNameLongName[] = "02_drop_name_long";
inline constexpr char kDropNameLongYaml[] = R"yaml(operations:
  - drop_constraint:
      table: users
      name: users_name_long
      up: name
      down: "IF(CHAR_LENGTH(name) > 3, name, RPAD(name, 4, '_'))"
)yaml";

// alter_column's type change through the column swap: users.visits, INT
// NOT NULL (id * 10), widened to BIGINT.
inline const KilledMigration& WidenVisits() {
  static const KilledMigration m{
      .name = "02_widen_visits",
      .yaml = mariadb_test::kWidenVisitsYaml,
      .setup =
          [](MariadbSplit& db) {
            db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
            db.Run("UPDATE users SET visits = id * 10");
          },
      .expect_complete =
          [](MariadbSplit& db) {
            EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
                      (std::vector<std::string>{"id bigint(20) NOT NULL", "name text NOT NULL",
                                                "visits bigint(20) NOT NULL"}));
            EXPECT_EQ(db.Query("SELECT id, visits FROM users ORDER BY id"),
                      (std::vector<std::string>{"1|10", "2|20", "3|30", "4|40"}));
          },
  };
  return m;
}

}  // namespace zs::engine::mariadb_audit
