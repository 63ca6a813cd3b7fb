// The view gap of complete on MariaDB, through the binary: a new-version
// client that comes through the version's view while complete's group on
// the table waits for its lock (LOCK TABLES behind an open transaction, as
// behind any long reader). Complete's group renames the type change's
// temporary column the view names (or rename_column's RENAME COLUMN renames
// the column); a statement that had read the view's old definition and
// waited for the table failed with 1356 once the rename was done. Complete now locks the view first
// (ddl/mariadb_runner.h), so the client waits at the view and reads its new definition: no error,
// and its write lands. Event-ordered on PROCESSLIST states, no sleeps.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// A connection of `db` whose PROCESSLIST row matches `where`; false after about 60 s.
bool ViewGapWaitFor(MariadbSplit& db, const std::string& where) {
  return zs::testing::WaitUntil(
      [&] {
        return db.Query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE " + where) !=
               std::vector<std::string>{"0"};
      },
      std::chrono::seconds(60));
}

// Starts migration `name` (`yaml`), then runs complete while a long reader
// holds users, so that complete's first lock of users waits; a new-version
// client then runs `client_sql` through the view, and waits too; the reader
// ends. Complete must succeed; returns the client's answer.
Status ViewGapClientDuringComplete(MariadbSplit& db, const std::string& name,
                                   const std::string& yaml, const std::string& client_sql) {
  std::string version;
  mariadb_audit::InitAndStartMigration(db, name, yaml, &version);
  if (::testing::Test::HasFatalFailure()) return Internal("start failed");
  mysql::Connection holder = db.Connect();
  EXPECT_TRUE(holder.Run("BEGIN").ok());
  EXPECT_TRUE(holder.Run("SELECT * FROM users").ok());
  std::future<ProcessRun> complete = std::async(std::launch::async, [&] {
    return db.Zeroshift({"complete", "--lock-timeout", "60000"});
  });
  EXPECT_TRUE(ViewGapWaitFor(db,
                             "(INFO LIKE '%ALTER TABLE%' OR INFO LIKE '%LOCK TABLES%') AND "
                             "STATE = 'Waiting for table metadata lock'"));
  mysql::Connection client = db.Connect();
  EXPECT_TRUE(client.Run("USE " + mysql::QuoteIdentifier(version)).ok());
  EXPECT_TRUE(client.Run("SET @zeroshift_version = " + mysql::QuoteLiteral(version)).ok());
  const unsigned long client_id = client.ConnectionId();
  std::future<Status> written = std::async(std::launch::async, [&] {
    return client.Run("SET STATEMENT lock_wait_timeout=60 FOR " + client_sql);
  });
  EXPECT_TRUE(ViewGapWaitFor(
      db, "ID = " + std::to_string(client_id) + " AND STATE = 'Waiting for table metadata lock'"));
  EXPECT_TRUE(holder.Run("ROLLBACK").ok());
  ProcessRun completed = complete.get();
  EXPECT_EQ(completed.exit_code, 0) << completed.err;
  return written.get();
}

// The type change: complete's group renames the temporary column the view
// names.
TEST(MariadbViewGap, ANewClientWaitingWithCompletesGroupGetsNoError) {
  MariadbSplit db;
  const mariadb_audit::KilledMigration& widen = mariadb_audit::WidenVisits();
  widen.setup(db);
  Status written = ViewGapClientDuringComplete(db, widen.name, widen.yaml,
                                               "UPDATE users SET visits = 7 WHERE id = 1");
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(db.Query("SELECT visits FROM users WHERE id = 1"), (std::vector<std::string>{"7"}));
  EXPECT_EQ(mariadb_audit::ColumnsOf(db, db.database(), "users"),
            (std::vector<std::string>{"id bigint(20) NOT NULL", "name text NOT NULL",
                                      "visits bigint(20) NOT NULL"}));
}

// rename_column: complete's RENAME COLUMN, before the view's rebind.
TEST(MariadbViewGap, ANewClientWaitingWithCompletesRenameGetsNoError) {
  MariadbSplit db;
  Status written = ViewGapClientDuringComplete(db, "02_full_name", R"yaml(operations:
  - rename_column:
      table: users
      from: name
      to: full_name
)yaml",
                                               "UPDATE users SET full_name = 'Ada' WHERE id = 1");
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(db.Query("SELECT full_name FROM users WHERE id = 1"),
            (std::vector<std::string>{"Ada"}));
}

}  // namespace
}  // namespace zs::engine
