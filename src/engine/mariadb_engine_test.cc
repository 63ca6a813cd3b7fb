// The engine on MariaDB end to end, through the built `zeroshift` binary and
// a real throwaway MariaDB (testing/shared_mariadb.h): the seed's split in
// MariaDB's SQL (init, start, status, complete), both shapes written while it
// is active, rollback leaving the table exactly as before, a second start and
// a second zeroshift refused. The re-run after a crash at every recorded step
// is in mariadb_engine_fault_test.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "backend/mariadb_backend.h"
#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"
#include "triggers/mariadb_dual_write.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

TEST(MariadbEngineCli, SplitInitStartStatusCompleteWithBothShapesWritten) {
  MariadbSplit split;
  ProcessRun init = split.Zeroshift({"init", "--no-baseline-version"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ProcessRun start = split.Zeroshift({"start", split.file()}, "", /*quiet=*/false);
  ASSERT_EQ(start.exit_code, 0) << start.err;
  const std::string use =
      "USE `" + split.version() + "`; SET @zeroshift_version = '" + split.version() + "'";
  EXPECT_NE(start.err.find(use), std::string::npos) << start.err;

  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["schema"], split.database());
  ASSERT_TRUE(json["active"].is_object()) << status.out;
  EXPECT_EQ(json["active"]["name"], "02_split_name");
  EXPECT_EQ(json["active"]["step"], "active");
  EXPECT_EQ(json["active"]["version_schema"], split.version());
  EXPECT_EQ(json["new_clients_sql"], use) << status.out;
  EXPECT_EQ(json["old_clients_sql"],
            "USE `" + split.database() + "`; SET @zeroshift_version = NULL")
      << status.out;
  // The backfill split every row that was there before start.
  EXPECT_EQ(split.Query("SELECT COUNT(*) FROM users WHERE first_name IS NULL OR last_name IS NULL"),
            (std::vector<std::string>{"0"}));

  // An old client writes `name`; a new one, through the version database with
  // the variable set, writes first_name/last_name. Each sees the other's shape.
  mysql::Connection old_client = split.Connect();
  ASSERT_TRUE(old_client.Run("INSERT INTO users (id, name) VALUES (100, 'Grace Hopper')").ok());
  ASSERT_TRUE(old_client.Run("UPDATE users SET name = 'Ada King' WHERE id = 1").ok());
  mysql::Connection new_client = split.Connect();
  ASSERT_TRUE(new_client.Run(use.substr(0, use.find(';'))).ok());
  ASSERT_TRUE(new_client.Run(use.substr(use.find(';') + 2)).ok());
  Status inserted = new_client.Run(
      "INSERT INTO users (id, first_name, last_name) VALUES (101, 'Alan', 'Turing')");
  ASSERT_TRUE(inserted.ok()) << inserted.ToString();
  ASSERT_TRUE(new_client.Run("UPDATE users SET last_name = 'Knuth' WHERE id = 2").ok());
  EXPECT_EQ(split.Query("SELECT CONCAT_WS('|', first_name, last_name) FROM users WHERE id IN "
                        "(1, 100) ORDER BY id"),
            (std::vector<std::string>{"Ada|King", "Grace|Hopper"}));
  EXPECT_EQ(split.Query("SELECT name FROM users WHERE id IN (2, 101) ORDER BY id"),
            (std::vector<std::string>{"Donald Knuth", "Alan Turing"}));
  Result<mysql::Rows> seen =
      new_client.Exec("SELECT CONCAT_WS('|', first_name, last_name) FROM users WHERE id = 100");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(seen->size(), 1);
  EXPECT_EQ(seen->Get(0, 0), "Grace|Hopper");

  ProcessRun complete = split.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name"}));
  EXPECT_TRUE(split.Triggers().empty());
  EXPECT_EQ(
      split.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY id"),
      (std::vector<std::string>{"1:Ada|King", "2:Donald|Knuth", "3:Barbara|Liskov",
                                "4:Edsger|Dijkstra", "100:Grace|Hopper", "101:Alan|Turing"}));
  // The version stays for the new clients; status has nothing active.
  Result<mysql::Rows> after = new_client.Exec("SELECT COUNT(*) FROM users");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->Get(0, 0), "6");
  status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json = nlohmann::json::parse(status.out);
  EXPECT_TRUE(json["active"].is_null()) << status.out;
  EXPECT_EQ(json["latest_version_schema"], split.version());
}

TEST(MariadbEngineCli, RollbackLeavesTheTableExactlyAsBefore) {
  MariadbSplit split;
  // A user trigger of its own: the dual write must follow it, and it stays.
  split.Run(
      "CREATE TRIGGER users_trim BEFORE INSERT ON users FOR EACH ROW SET NEW.name = "
      "TRIM(NEW.name)");
  std::string before = split.ShowCreateTable();
  std::vector<std::string> triggers_before = split.Triggers();
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun start = split.Zeroshift({"start", split.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_NE(split.Triggers(), triggers_before);
  // The user's trigger still runs first, then the dual write.
  split.Run("INSERT INTO users (id, name) VALUES (50, '  Niklaus Wirth  ')");
  EXPECT_EQ(split.Query("SELECT CONCAT_WS('|', name, first_name, last_name) FROM users WHERE id = "
                        "50"),
            (std::vector<std::string>{"Niklaus Wirth|Niklaus|Wirth"}));
  ProcessRun rollback = split.Zeroshift({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(split.ShowCreateTable(), before);
  EXPECT_EQ(split.Triggers(), triggers_before);
  EXPECT_TRUE(split.VersionDatabases().empty());
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["active"].is_null()) << status.out;
}

TEST(MariadbEngineCli, ASecondStartWhileOneIsActiveIsRefused) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  ASSERT_EQ(split.Zeroshift({"start", split.file()}).exit_code, 0);
  std::string other = split.WriteFile("03_add_email.yaml", R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
)yaml");
  std::string columns = split.ShowCreateTable();
  ProcessRun second = split.Zeroshift({"start", other});
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_NE(second.err.find("migration \"02_split_name\" is active"), std::string::npos)
      << second.err;
  EXPECT_EQ(split.ShowCreateTable(), columns);
}

TEST(MariadbEngineCli, TheLockIsRefusedWhileAnotherZeroshiftHoldsItNamingTheHolder) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  // Another zeroshift: a session holding the database's GET_LOCK.
  mysql::Connection holder = split.Connect();
  Result<mysql::Rows> got =
      holder.Exec("SELECT GET_LOCK(" +
                  mysql::QuoteLiteral(backend::MariadbSchemaLockName(split.database())) + ", 0)");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->Get(0, 0), "1");
  std::string before = split.ShowCreateTable();
  ProcessRun start = split.Zeroshift({"start", split.file()});
  EXPECT_EQ(start.exit_code, 3) << start.err;
  EXPECT_NE(start.err.find("another zeroshift process"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("connection " + std::to_string(holder.ConnectionId())),
            std::string::npos)
      << start.err;
  EXPECT_EQ(split.ShowCreateTable(), before);
  // Once it lets go, the same start runs.
  ASSERT_TRUE(holder
                  .Run("DO RELEASE_LOCK(" +
                       mysql::QuoteLiteral(backend::MariadbSchemaLockName(split.database())) + ")")
                  .ok());
  ProcessRun again = split.Zeroshift({"start", split.file()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// The next migration keeps the previous version for old clients (status
// says how to select it) and drops it at complete.
TEST(MariadbEngineCli, TheNextMigrationKeepsThePreviousVersionUntilItCompletes) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  ASSERT_EQ(split.Zeroshift({"start", split.file(), "--complete"}).exit_code, 0);
  std::string next = split.WriteFile("03_add_email.yaml", R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
)yaml");
  ProcessRun start = split.Zeroshift({"start", next});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  std::string version = versions::MariadbVersionDatabaseName(split.database(), "03_add_email", "");
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{split.version(), version}));
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["old_clients_sql"],
            "USE `" + split.version() + "`; SET @zeroshift_version = '" + split.version() + "'")
      << status.out;
  EXPECT_EQ(json["new_clients_sql"],
            "USE `" + version + "`; SET @zeroshift_version = '" + version + "'")
      << status.out;
  ProcessRun complete = split.Zeroshift({"complete"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{version}));
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name", "email"}));
}

// Without --url, ZEROSHIFT_URL, then DATABASE_URL, pick the backend by their
// scheme too.
TEST(MariadbEngineCli, TheEnvironmentsUrlsPickMariadbByScheme) {
  MariadbSplit split;
  for (const char* variable : {"ZEROSHIFT_URL", "DATABASE_URL"}) {
    setenv(variable, split.url().c_str(), 1);
    ProcessRun status = zs::testing::RunBinary({"status"});
    unsetenv(variable);
    ASSERT_EQ(status.exit_code, 0) << variable << ": " << status.err;
    nlohmann::json json = nlohmann::json::parse(status.out);
    EXPECT_EQ(json["schema"], split.database()) << variable;
    // The state database `zeroshift` is the server's: other tests may have
    // made it. This database has no migration.
    EXPECT_EQ(json.value("migrations", 0), 0) << variable << ": " << status.out;
  }
  // --schema may only repeat the URL's database.
  ProcessRun other = split.Zeroshift({"status", "--schema", "elsewhere"});
  EXPECT_EQ(other.exit_code, 1) << other.err;
  EXPECT_NE(other.err.find("differs from the URL's database"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace zs::engine
