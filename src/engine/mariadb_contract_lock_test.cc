// Contract on MariaDB drops a table's dual-write triggers, its marker and
// its old columns as one group under LOCK TABLES ... WRITE
// (engine/mariadb_engine_steps.cc, ddl::MariadbRunner::RunGroup): DDL commits
// statement by statement, and a write that ran after the triggers went but
// before the old column did would be lost (an old client's, in the old
// column) or refused (a new client's INSERT, when the old column is NOT NULL
// without a default). Here writers of both versions arrive while complete
// waits for its LOCK TABLES (a transaction that read the table holds it
// back), each state waited for on the server's processlist, no sleep: the
// metadata lock grants the pending LOCK TABLES WRITE before the writers'
// locks, so they wait through the whole group and run after UNLOCK TABLES,
// on the new shape. For the split and for the column swap (whose ALTER is a
// compound statement, and was left out of the group on main).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/mariadb_audit_test_util.h"
#include "mysql/connection.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

using Rows = std::vector<std::string>;

constexpr char kContractLockMdlWait[] = "Waiting for table metadata lock";

// Whether connection `id` waits for a metadata lock.
bool ContractLockWaits(MariadbSplit& db, const std::string& id) {
  return db.Query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + id +
                  " AND STATE = '" + kContractLockMdlWait + "'") == Rows{"1"};
}

// A client connection of the version (or an old one, `version` empty) with
// the statement it will send, and the server's answer once sent.
struct ContractLockWriter {
  ContractLockWriter(MariadbSplit& db, const std::string& version, std::string statement)
      : conn(db.Connect()), sql(std::move(statement)) {
    if (!version.empty()) {
      EXPECT_TRUE(conn.Run("USE `" + version + "`").ok());
      EXPECT_TRUE(conn.Run("SET @zeroshift_version = '" + version + "'").ok());
    }
    auto rows = conn.Exec("SELECT CONNECTION_ID()");
    if (rows.ok()) id = rows->Get(0, 0);
  }
  mysql::Connection conn;
  std::string sql;
  std::string id;
  Status result;
};

// Kills the background command if a failed assertion leaves it running.
struct ContractLockChild {
  pid_t pid = -1;
  bool reaped = false;
  ~ContractLockChild() {
    if (pid <= 0 || reaped) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

// A writer: the version it writes through ("" for an old client) and its
// statement.
struct ContractLockWrite {
  std::string version;
  std::string sql;
};

// After start: runs complete while a transaction that read users holds its
// LOCK TABLES back, sends `writes` once it waits (each from its own
// connection, each waited for until it queues behind the pending LOCK TABLES
// WRITE), ends the transaction and waits for complete (which must succeed)
// and the writers. The writers' answers, in order.
std::vector<Status> ContractLockComplete(MariadbSplit& db,
                                         const std::vector<ContractLockWrite>& writes) {
  mysql::Connection holder = db.Connect();
  EXPECT_TRUE(holder.Run("BEGIN").ok());
  EXPECT_TRUE(holder.Run("SELECT id FROM users LIMIT 1").ok());
  // Each attempt bounded at 10 minutes: the holder ends the lock wait, not
  // the bound.
  std::string out = db.WriteFile("complete.out", "");
  zs::testing::Spawned complete = zs::testing::SpawnBinary(
      {"--url", db.url(), "--lock-timeout", "600000", "complete", "--quiet"}, out, out + ".err");
  EXPECT_EQ(complete.error, 0);
  if (complete.error != 0) return {};
  ContractLockChild child{.pid = complete.pid};
  int exited = 0;
  bool locking = zs::testing::WaitUntil(
      [&] {
        if (waitpid(complete.pid, &exited, WNOHANG) == complete.pid) return child.reaped = true;
        // Its first statement on users (LOCK TABLES): whatever waits for
        // the metadata lock now is complete's.
        return db.Query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = '" +
                        std::string(kContractLockMdlWait) + "'") == Rows{"1"};
      },
      std::chrono::seconds(60));
  if (!locking || child.reaped) {
    ADD_FAILURE() << "complete never waited for the metadata lock (wait status " << exited
                  << "): " << zs::testing::ReadFile(out + ".err");
    return {};
  }

  std::vector<std::unique_ptr<ContractLockWriter>> writers;
  for (const auto& write : writes) {
    writers.push_back(std::make_unique<ContractLockWriter>(db, write.version, write.sql));
    if (writers.back()->id.empty()) {
      ADD_FAILURE() << write.sql << ": no connection";
      return {};
    }
  }
  std::vector<std::thread> threads;
  for (auto& writer : writers) {
    threads.emplace_back([w = writer.get()] { w->result = w->conn.Run(w->sql); });
  }
  for (auto& writer : writers) {
    EXPECT_TRUE(zs::testing::WaitUntil([&] { return ContractLockWaits(db, writer->id); },
                                       std::chrono::seconds(60)))
        << writer->sql << " never waited for the metadata lock";
  }

  // The holder goes: the pending LOCK TABLES WRITE is granted before the
  // writers, the group runs, UNLOCK TABLES; only then do the writers run.
  EXPECT_TRUE(holder.Run("ROLLBACK").ok());
  EXPECT_EQ(zs::testing::WaitExitCode(complete.pid), 0) << zs::testing::ReadFile(out + ".err");
  child.reaped = true;
  std::vector<Status> results;
  for (size_t i = 0; i < threads.size(); ++i) {
    threads[i].join();
    results.push_back(writers[i]->result);
  }
  return results;
}

// The split: the triggers, the marker and `name` go under the lock.
TEST(MariadbContractLock, SplitWritesWaitOutTheDropOfTriggersAndOldColumn) {
  MariadbSplit db;
  ASSERT_EQ(db.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  ProcessRun start = db.Zeroshift({"start", db.file()});
  ASSERT_EQ(start.exit_code, 0) << start.err;

  std::vector<Status> results = ContractLockComplete(
      db, {{db.version(),
            "INSERT INTO users (id, first_name, last_name) VALUES (5, 'Grace', 'Hopper')"},
           {db.version(), "UPDATE users SET last_name = 'King' WHERE id = 1"},
           {"", "UPDATE users SET name = 'Donald Knuth' WHERE id = 2"}});
  ASSERT_EQ(results.size(), 3u);
  // The new version's writes landed on the new shape (between the triggers'
  // drop and `name`'s the INSERT would fail, 1364: `name` has no value). The
  // old client's UPDATE of `name` ran after `name` was gone and says so
  // (1054); run once both triggers were gone but `name` was not, it would
  // have succeeded and been dropped with the column.
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_TRUE(results[1].ok()) << results[1].ToString();
  EXPECT_EQ(mysql::ErrorNumber(results[2]), 1054) << results[2].ToString();
  EXPECT_EQ(db.Columns(), (Rows{"id", "first_name", "last_name"}));
  EXPECT_TRUE(db.Triggers().empty());
  EXPECT_EQ(db.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY id"),
            (Rows{"1:Ada|King", "2:Donald|Ervin", "3:Barbara|Liskov", "4:Edsger|Dijkstra",
                  "5:Grace|Hopper"}));
}

// The column swap: the triggers, the marker and the ALTER that drops the old
// column and renames the new one in go under the lock. An old client's write
// that ran between the triggers' drop and that ALTER would land in the old
// column and be dropped with it.
TEST(MariadbContractLock, SwapWritesWaitOutTheDropOfTriggersAndOldColumn) {
  MariadbSplit db;
  const mariadb_audit::KilledMigration& widen = mariadb_audit::WidenVisits();
  widen.setup(db);
  std::string v;
  ASSERT_NO_FATAL_FAILURE(mariadb_audit::InitAndStartMigration(db, widen.name, widen.yaml, &v));

  Status wide =
      mariadb_audit::AsNewClient(db, v, "UPDATE users SET visits = 2147483648 WHERE id = 4");
  ASSERT_TRUE(wide.ok()) << wide.ToString();

  // Old clients' writes (their SQL names `visits`, which stays): they run
  // after UNLOCK TABLES, on the new column.
  std::vector<Status> results = ContractLockComplete(
      db, {{"", "UPDATE users SET visits = 11 WHERE id = 1"},
           {"", "INSERT INTO users (id, name, visits) VALUES (5, 'Grace', 50)"}});
  ASSERT_EQ(results.size(), 2u);
  for (const Status& result : results) EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(mariadb_audit::ColumnsOf(db, db.database(), "users"),
            (Rows{"id bigint(20) NOT NULL", "name text NOT NULL", "visits bigint(20) NOT NULL"}));
  EXPECT_TRUE(db.Triggers().empty());
  EXPECT_EQ(db.Query("SELECT id, visits FROM users ORDER BY id"),
            (Rows{"1|11", "2|20", "3|30", "4|2147483648", "5|50"}));
}

}  // namespace
}  // namespace zs::engine
