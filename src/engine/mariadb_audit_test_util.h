// For the issue-17 audit's lifecycle tests (mariadb_audit_*_test.cc): one
// migration through the binary on a real MariaDB, start, rollback, start
// again, complete, with the database read after each command: after start the
// base table and the version database's views and rows, after rollback the
// database exactly as before start, after complete the shape and rows the
// operation promises (including what old and new clients wrote meanwhile).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace zs::engine::mariadb_audit
