// Issue 17's "what a user does" through the binary on MariaDB, where no other
// suite runs it: a `mysql://` URL over the Unix socket (`?socket=PATH`), the
// README's walk-through on examples/mariadb/ command by command, and `start`
// on a table the backfill cannot walk.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "testing/shared_mariadb.h"
#include "testing/test_paths.h"

namespace zs::engine {
namespace {

using mariadb_audit::AsNewClient;
using mariadb_audit::ColumnsOf;
using mariadb_audit::StatusJson;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

// A column on the guests table each refusal test makes.
constexpr char kCliGuestFirstYaml[] = R"yaml(operations:
  - add_column:
      table: guests
      up: SUBSTRING_INDEX(name, ' ', 1)
      column: {name: first_name, type: varchar(100), nullable: true}
)yaml";

// `mysql://` picks MariaDB as `mariadb://` does, and `?socket=PATH` reaches
// the server over its Unix socket: init and status through the binary.
TEST(MariadbAuditCli, MysqlSchemeOverTheSocketReachesTheServer) {
  MariadbSplit db;
  std::string url = zs::testing::SharedMariadbServer().SocketUrl(db.database());
  ASSERT_EQ(url.rfind("mariadb://", 0), 0u) << url;
  url = "mysql://" + url.substr(std::string("mariadb://").size());
  ProcessRun init = zs::testing::RunBinary({"--url", url, "init", "--no-baseline-version"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ProcessRun status = zs::testing::RunBinary({"--url", url, "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["schema"], db.database()) << status.out;
  EXPECT_TRUE(json["initialized"].get<bool>()) << status.out;
  // The state went to this server's `zeroshift` database, not PostgreSQL.
  EXPECT_EQ(db.Query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                     "'zeroshift' AND TABLE_NAME = 'migrations'"),
            (Rows{"1"}));
}

// The README's MariaDB walk-through, with its commands as written, on the
// files of examples/mariadb/.
TEST(MariadbAuditCli, TheReadmeWalkThroughOnTheExamples) {
  MariadbSplit db;
  db.Run("DROP TABLE users");  // 01_create_users.yaml creates it
  auto example = [](const std::string& name) {
    return std::string(zs::testing::SourceDir()) + "/examples/mariadb/" + name + ".yaml";
  };
  auto run = [&db](std::vector<std::string> args) {
    ProcessRun run = db.Zeroshift(args);
    EXPECT_EQ(run.exit_code, 0) << args[0] << ": " << run.err;
    EXPECT_EQ(run.err.find("warning"), std::string::npos) << args[0] << ": " << run.err;
    return run;
  };
  run({"init"});
  run({"start", example("01_create_users"), "--complete"});
  db.Run("INSERT INTO users VALUES (1, 'Ada Lovelace'), (2, 'Jean Claude Van Damme')");
  run({"validate", example("02_split_name")});
  ProcessRun plan = db.Zeroshift({"plan", example("02_split_name")}, "", /*quiet=*/false);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("ALGORITHM=INSTANT"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("[metadata lock (exclusive, brief) on users]"), std::string::npos)
      << plan.out;

  run({"start", example("02_split_name")});
  std::string v2 = versions::MariadbVersionDatabaseName(db.database(), "02_split_name", "");
  nlohmann::json status = StatusJson(db);
  EXPECT_EQ(status["new_clients_sql"], "USE `" + v2 + "`; SET @zeroshift_version = '" + v2 + "'");
  Status new_insert = AsNewClient(
      db, v2, "INSERT INTO users (id, first_name, last_name) VALUES (3, 'Alan', 'Turing')");
  ASSERT_TRUE(new_insert.ok()) << new_insert.ToString();
  run({"verify"});
  run({"complete"});
  EXPECT_EQ(db.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY id"),
            (Rows{"1:Ada|Lovelace", "2:Jean|Claude Van Damme", "3:Alan|Turing"}));

  run({"start", example("03_add_visits"), "--complete"});
  run({"start", example("04_widen_visits")});
  run({"rollback"});
  EXPECT_EQ(ColumnsOf(db, db.database(), "users").back(), "visits int(11) NOT NULL");
  run({"start", example("04_widen_visits"), "--complete"});
  run({"start", example("05_index_first_name"), "--complete"});
  EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
            (Rows{"id bigint(20) NOT NULL", "first_name varchar(200)", "last_name varchar(200)",
                  "visits bigint(20) NOT NULL"}));
  EXPECT_EQ(db.Query("SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = "
                     "DATABASE() AND TABLE_NAME = 'users' ORDER BY INDEX_NAME"),
            (Rows{"PRIMARY", "users_first_name"}));
  ProcessRun latest = db.Zeroshift({"latest"}, "", /*quiet=*/false);
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out,
            versions::MariadbVersionDatabaseName(db.database(), "05_index_first_name", "") + "\n");
}

// A table with neither a primary key nor a unique NOT NULL key: the backfill
// refuses it naming the table and the fix, and rollback gives the table back.
// (The refusal comes after start's expand, not before it: see the audit.)
// A table the backfill cannot walk is refused before anything runs: on main
// start added the column, the triggers and the version first, then failed at
// the backfill with advice (re-run start) that could not work.
TEST(MariadbAuditCli, StartOnATableWithoutAKeyIsRefusedBeforeAnythingRuns) {
  MariadbSplit db;
  db.Run("CREATE TABLE guests (name text NOT NULL)");
  db.Run("INSERT INTO guests VALUES ('Ada Lovelace'), ('Alan Turing')");
  std::string before = db.Query("SHOW CREATE TABLE guests").front();
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string file = db.WriteFile("02_guest_first.yaml", kCliGuestFirstYaml);
  ProcessRun start = db.Zeroshift({"start", file});
  EXPECT_EQ(start.exit_code, 1) << start.err;
  EXPECT_NE(start.err.find("table `" + db.database() +
                           "`.`guests` has no primary key and no unique index whose columns are "
                           "all NOT NULL"),
            std::string::npos)
      << start.err;
  EXPECT_NE(start.err.find("ADD PRIMARY KEY"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("add_column"), std::string::npos) << start.err;
  // Nothing ran: the table, its triggers and the versions are as before,
  // and there is no migration to roll back.
  EXPECT_EQ(db.Query("SHOW CREATE TABLE guests").front(), before);
  EXPECT_TRUE(db.Triggers().empty());
  EXPECT_TRUE(db.VersionDatabases().empty());
  ProcessRun rollback = db.Zeroshift({"rollback"});
  EXPECT_NE(rollback.exit_code, 0) << rollback.out;
}

// --backfill-workers 2 on a table too small to split (kMariadbMinRangeRows
// a range): one session walks it, under the table's one cursor.
TEST(MariadbAuditCli, ParallelBackfillOfATinyTableRunsOneSession) {
  MariadbSplit db;
  db.Run("CREATE TABLE guests (id int PRIMARY KEY, name text NOT NULL)");
  db.Run("INSERT INTO guests VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing')");
  db.Run("ANALYZE TABLE guests");
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string file = db.WriteFile("02_guest_first.yaml", kCliGuestFirstYaml);
  ProcessRun start = db.Zeroshift({"start", "--backfill-workers", "2", file});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(db.Query(fmt::format("SELECT COUNT(*) FROM zeroshift.backfill_cursors WHERE `schema` "
                                 "= '{}' AND table_name LIKE '% range %'",
                                 db.database()))
                .front(),
            "0");
  EXPECT_EQ(db.Query(fmt::format("SELECT rows_done, finished FROM zeroshift.backfill_cursors "
                                 "WHERE `schema` = '{}'",
                                 db.database())),
            std::vector<std::string>{"2|1"});
}

}  // namespace
}  // namespace zs::engine
