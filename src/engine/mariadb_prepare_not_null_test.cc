// Complete on MariaDB makes a column NOT NULL that start added nullable (the
// swap's temporary column without an instant default, add_column NOT NULL
// without a default) with `MODIFY ..., ALGORITHM=INPLACE, LOCK=NONE`: a table
// rebuild. It runs in complete's prepare phase, right after the NULL check,
// while the dual write still runs, not in the group under LOCK TABLES ...
// WRITE, where every client would wait for the whole rebuild
// (ops/mariadb_swap.cc, ops/add_column/mariadb_add_column.cc).
//
// - A client's single-row write goes through while the MODIFY has not
//   finished: a transaction that read the table holds complete's first
//   exclusive metadata lock back; the client queues behind it; the holder
//   goes; the client's UPDATE returns while the MODIFY, past its start, waits
//   for the client's own transaction to end before it can finish. Each state
//   waited for on the processlist, no sleep. Run under the group, the MODIFY
//   never waits (LOCK TABLES does, first).
// - kill -9 after every step of complete: the state right after the MODIFY
//   (the column NOT NULL, the dual write still in place) lets old and new
//   clients write, status names the command, and a re-run finishes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

using mariadb_audit::ColumnsOf;
using mariadb_audit::StatusJson;
using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

constexpr char kPrepareNotNullMdlWait[] = "Waiting for table metadata lock";

// visits INT NOT NULL without a default: its BIGINT copy has no default
// MariaDB adds instantly, so start adds it nullable and complete makes it
// NOT NULL.
const std::string& kPrepareNotNullWidenYaml = mariadb_test::kWidenVisitsYaml;

// add_column NOT NULL without a default: added nullable, filled by `up`.
constexpr char kPrepareNotNullAddYaml[] = R"yaml(operations:
  - add_column:
      table: users
      up: id * 100
      column: {name: score, type: int, nullable: false}
)yaml";

void PrepareNotNullSetup(MariadbSplit& db) {
  db.Run("ALTER TABLE users ADD visits int NOT NULL DEFAULT 0");
  db.Run("ALTER TABLE users ALTER visits DROP DEFAULT");
  db.Run("UPDATE users SET visits = id * 10");
}

// The statements waiting for a metadata lock now.
Rows PrepareNotNullWaiting(MariadbSplit& db) {
  return db.Query("SELECT IFNULL(INFO, '') FROM information_schema.PROCESSLIST WHERE STATE = '" +
                  std::string(kPrepareNotNullMdlWait) + "' AND DB = DATABASE()");
}

bool PrepareNotNullModifyWaits(MariadbSplit& db) {
  for (const std::string& info : PrepareNotNullWaiting(db)) {
    if (info.find("MODIFY COLUMN") != std::string::npos) return true;
  }
  return false;
}

bool PrepareNotNullHasDualWrite(MariadbSplit& db) {
  return db.Query(
             "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = "
             "DATABASE() AND TRIGGER_NAME LIKE '\\_zs\\_%'") != Rows{"0"};
}

// Kills the background command if a failed assertion leaves it running.
struct PrepareNotNullChild {
  pid_t pid = -1;
  bool reaped = false;
  ~PrepareNotNullChild() {
    if (pid <= 0 || reaped) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

TEST(MariadbPrepareNotNull, AClientWritesWhileTheRebuildToNotNullRuns) {
  MariadbSplit db;
  PrepareNotNullSetup(db);
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun start =
      db.Zeroshift({"start", db.WriteFile("02_widen.yaml", kPrepareNotNullWidenYaml)});
  ASSERT_EQ(start.exit_code, 0) << start.err;

  mysql::Connection holder = db.Connect();
  ASSERT_TRUE(holder.Run("BEGIN").ok());
  ASSERT_TRUE(holder.Run("SELECT id FROM users LIMIT 1").ok());
  std::string out = db.WriteFile("complete.out", "");
  zs::testing::Spawned complete = zs::testing::SpawnBinary(
      {"--url", db.url(), "--lock-timeout", "600000", "complete", "--quiet"}, out, out + ".err");
  ASSERT_EQ(complete.error, 0);
  PrepareNotNullChild child{.pid = complete.pid};

  // complete's first statement that needs users exclusively waits for the
  // holder: the MODIFY (prepare phase), not the group's LOCK TABLES.
  Rows first;
  int exited = 0;
  ASSERT_TRUE(zs::testing::WaitUntil(
      [&] {
        if (waitpid(complete.pid, &exited, WNOHANG) == complete.pid) return child.reaped = true;
        first = PrepareNotNullWaiting(db);
        return !first.empty();
      },
      std::chrono::seconds(60)));
  ASSERT_FALSE(child.reaped) << "complete ended (wait status " << exited
                             << ") without waiting: " << zs::testing::ReadFile(out + ".err");
  ASSERT_EQ(first.size(), 1u);
  if (first[0].find("MODIFY COLUMN") == std::string::npos) {
    EXPECT_TRUE(holder.Run("ROLLBACK").ok());
    FAIL() << "complete first waited for users in `" << first[0]
           << "`, not in the MODIFY to NOT NULL: the rebuild runs inside the group's LOCK "
              "TABLES, and every client waits for the whole of it";
  }

  // A client of the old version: its single-row UPDATE queues behind the
  // MODIFY's pending exclusive lock, in a transaction left open.
  mysql::Connection client = db.Connect();
  std::string client_id = client.Exec("SELECT CONNECTION_ID()")->Get(0, 0);
  ASSERT_TRUE(client.Run("BEGIN").ok());
  std::atomic<bool> returned{false};
  Status written;
  std::thread writer([&] {
    written = client.Run("UPDATE users SET visits = 77 WHERE id = 1");
    returned = true;
  });
  EXPECT_TRUE(zs::testing::WaitUntil(
      [&] {
        return returned ||
               db.Query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " +
                        client_id + " AND STATE = '" + kPrepareNotNullMdlWait + "'") == Rows{"1"};
      },
      std::chrono::seconds(60)));

  // The holder goes: the MODIFY takes its lock, lets it go for the rebuild,
  // and the client's UPDATE runs. The MODIFY cannot finish while the
  // client's transaction is open: it waits for it, so the UPDATE went
  // through before the rebuild ended.
  EXPECT_TRUE(holder.Run("ROLLBACK").ok());
  bool client_returned =
      zs::testing::WaitUntil([&] { return returned.load(); }, std::chrono::seconds(60));
  if (!client_returned) {
    kill(complete.pid, SIGKILL);  // lets the client's UPDATE go, to end its thread
    waitpid(complete.pid, nullptr, 0);
    child.reaped = true;
    writer.join();
    FAIL() << "the client's UPDATE did not return while complete ran";
  }
  writer.join();
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_TRUE(zs::testing::WaitUntil([&] { return PrepareNotNullModifyWaits(db); },
                                     std::chrono::seconds(60)))
      << "the MODIFY ended before the client's transaction did";
  EXPECT_TRUE(PrepareNotNullHasDualWrite(db));  // the group has not begun
  ASSERT_TRUE(client.Run("COMMIT").ok());

  EXPECT_EQ(zs::testing::WaitExitCode(complete.pid), 0) << zs::testing::ReadFile(out + ".err");
  child.reaped = true;
  EXPECT_EQ(ColumnsOf(db, db.database(), "users"),
            (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "visits bigint(20) NOT NULL"}));
  EXPECT_TRUE(db.Triggers().empty());
  EXPECT_EQ(db.Query("SELECT CONCAT(id, '|', visits) FROM users ORDER BY id"),
            (Rows{"1|77", "2|20", "3|30", "4|40"}));
}

// One migration of the kill test: its file, the column complete makes NOT
// NULL (as it is named while the migration is active), the new client's
// INSERT (through the version's view), the rows to read after complete and
// what they must be.
struct PrepareNotNullCase {
  std::string name;
  std::string yaml;
  std::string column;
  std::string new_insert;
  std::string rows_sql;
  Rows after_complete;
};

// Whether users.`column` is NOT NULL now.
bool PrepareNotNullIsNotNull(MariadbSplit& db, const std::string& column) {
  return db.Query(
             "SELECT IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
             "DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = " +
             mysql::QuoteLiteral(column)) == Rows{"NO"};
}

// Kills complete after its k-th step for every k. After each kill status
// names the command. In the state the MODIFY leaves (the column NOT NULL,
// the dual write still there) an old client inserts id 5 and updates id 2's
// visits and a new one inserts id 6; then a re-run of complete finishes,
// with their writes in the rows.
void PrepareNotNullKillAfterEveryStep(const PrepareNotNullCase& c) {
  int kills = 0;
  bool saw_modified = false;
  for (int k = 1; k <= 40; ++k) {
    MariadbSplit db;
    PrepareNotNullSetup(db);
    ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
    ProcessRun start = db.Zeroshift({"start", db.WriteFile(c.name + ".yaml", c.yaml)});
    ASSERT_EQ(start.exit_code, 0) << start.err;
    std::string version = versions::MariadbVersionDatabaseName(db.database(), c.name, "");
    std::string fault = "complete:" + std::to_string(k);
    ProcessRun run = db.Zeroshift({"complete"}, fault);
    if (run.exit_code == 0) break;                             // past the last step
    ASSERT_EQ(run.exit_code, -1) << fault << ": " << run.err;  // killed, not failed
    ++kills;
    nlohmann::json status = StatusJson(db);
    ASSERT_TRUE(status["active"].is_object()) << fault << ": " << status.dump();
    EXPECT_NE(status["active"]["next"].get<std::string>().find("zeroshift complete"),
              std::string::npos)
        << fault << ": " << status.dump();
    if (!PrepareNotNullHasDualWrite(db) || !PrepareNotNullIsNotNull(db, c.column)) {
      ProcessRun again = db.Zeroshift({"complete"});
      ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
      continue;
    }
    saw_modified = true;
    // The old client leaves the new column to the dual write: its INSERT
    // omits it, filled before the NOT NULL check.
    Status old_insert = mariadb_audit::AsOldClient(
        db, "INSERT INTO users (id, name, visits) VALUES (5, 'Grace Hopper', 50)");
    EXPECT_TRUE(old_insert.ok()) << fault << ": " << old_insert.ToString();
    Status old_update = mariadb_audit::AsOldClient(db, "UPDATE users SET visits = 21 WHERE id = 2");
    EXPECT_TRUE(old_update.ok()) << fault << ": " << old_update.ToString();
    Status new_insert = mariadb_audit::AsNewClient(db, version, c.new_insert);
    EXPECT_TRUE(new_insert.ok()) << fault << ": " << new_insert.ToString();
    ProcessRun again = db.Zeroshift({"complete"});
    ASSERT_EQ(again.exit_code, 0) << fault << ": " << again.err;
    EXPECT_TRUE(db.Triggers().empty()) << fault;
    EXPECT_EQ(db.Query(c.rows_sql), c.after_complete) << fault;
  }
  EXPECT_GE(kills, 3);
  EXPECT_TRUE(saw_modified)
      << "no kill left the column NOT NULL with the dual write still in place: the MODIFY "
         "runs with the dual write's drop, under the group's LOCK TABLES";
}

TEST(MariadbPrepareNotNull, KillDuringCompleteOfATypeChange) {
  PrepareNotNullKillAfterEveryStep(
      {.name = "02_widen",
       .yaml = kPrepareNotNullWidenYaml,
       .column = "_zs_new_visits",
       .new_insert = "INSERT INTO users (id, name, visits) VALUES (6, 'Alan Turing', 2147483648)",
       .rows_sql = "SELECT CONCAT(id, '|', visits) FROM users ORDER BY id",
       .after_complete = {"1|10", "2|21", "3|30", "4|40", "5|50", "6|2147483648"}});
}

TEST(MariadbPrepareNotNull, KillDuringCompleteOfANotNullAddColumn) {
  PrepareNotNullKillAfterEveryStep(
      {.name = "02_add",
       .yaml = kPrepareNotNullAddYaml,
       .column = "score",
       .new_insert = "INSERT INTO users (id, name, visits, score) VALUES (6, 'Alan Turing', 60, 7)",
       .rows_sql = "SELECT CONCAT(id, '|', visits, '|', score) FROM users ORDER BY id",
       .after_complete = {"1|10|100", "2|21|200", "3|30|300", "4|40|400", "5|50|500", "6|60|7"}});
}

}  // namespace
}  // namespace zs::engine
