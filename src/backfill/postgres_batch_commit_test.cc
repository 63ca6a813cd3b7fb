// The PostgreSQL batch commits asynchronously (synchronous_commit = off in
// its own transaction, postgres_batch.cc): what a client waits on while the
// backfill runs is less of the batch's WAL flush. Safe because the cursor
// commits in the same transaction: a crash can lose only the last batches,
// each together with its cursor, and the resumed backfill redoes them. The
// walk's last batch commits durably, so a backfill reported done is.
//
// The crash is made to lose batches, not left to chance: the WAL writer is
// stopped (SIGSTOP) between two batches, so the commits after it stay in WAL
// buffers (nothing else flushes them: no client commits, autovacuum is off),
// then killed, which PostgreSQL handles as a crash of the whole server.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "backfill/backfill.h"
#include "backfill/postgres_batch.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using zs::testing::MustRun;
using zs::testing::Open;

std::string Text(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return "";
  return rows->Get(0, 0);
}

long long Int(pg::Connection& conn, const std::string& sql) {
  std::string text = Text(conn, sql);
  return text.empty() ? -1 : std::stoll(text);
}

// Inside each batch's transaction: off, except in the walk's last batch,
// which turns it on again before its cursor is saved and it commits.
TEST(BackfillBatchCommit, BatchesCommitAsynchronouslyAndTheLastOneDurably) {
  pg::Connection conn = Open(zs::testing::FreshDatabaseUrl());
  MustRun(conn,
          "CREATE TABLE items (id bigint PRIMARY KEY, v int); "
          "INSERT INTO items SELECT i, i FROM generate_series(1, 10) AS i");
  std::unique_ptr<BatchBackend> backend = MakePostgresBatchBackend(conn);
  Result<std::unique_ptr<TableBatches>> batches =
      backend->Prepare({.schema = "public", .table = "items", .touch_column = "v"}, {});
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ASSERT_TRUE((*batches)->CheckUserTriggers().ok());

  ASSERT_TRUE((*batches)->Begin().ok());
  Result<BatchOutcome> first = (*batches)->Next({}, 4);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->done);
  EXPECT_EQ(Text(conn, "SELECT current_setting('synchronous_commit')"), "off");
  // No JIT for the batch: its generic plan's estimates pass jit_above_cost on a
  // big table and compiling cost more than the batch (postgres_batch.cc, Begin).
  EXPECT_EQ(Text(conn, "SELECT current_setting('jit')"), "off");
  ASSERT_TRUE((*batches)->Commit().ok());
  EXPECT_EQ(Text(conn, "SELECT current_setting('synchronous_commit')"), "on")
      << "SET LOCAL must not outlive the batch's transaction";

  ASSERT_TRUE((*batches)->Begin().ok());
  Result<BatchOutcome> last = (*batches)->Next(first->cursor, 100);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_TRUE(last->done);
  EXPECT_EQ(Text(conn, "SELECT current_setting('synchronous_commit')"), "on");
  ASSERT_TRUE((*batches)->Commit().ok());
}

// Stops a server process for the test and always lets it go again.
class StoppedProcess {
 public:
  explicit StoppedProcess(pid_t pid) : pid_(pid) { EXPECT_EQ(kill(pid_, SIGSTOP), 0); }
  ~StoppedProcess() {
    if (!killed_) kill(pid_, SIGCONT);
  }
  StoppedProcess(const StoppedProcess&) = delete;
  StoppedProcess& operator=(const StoppedProcess&) = delete;
  void Kill() {
    EXPECT_EQ(kill(pid_, SIGKILL), 0);
    killed_ = true;
  }

 private:
  pid_t pid_;
  bool killed_ = false;
};

// A one-shot latch between the engine's thread (blocked in its event sink,
// between two batches) and the test's.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  bool IsOpen() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

constexpr long long kRows = 20000;
constexpr long long kStopWalWriterAt = 1000;  // rows done when the WAL writer stops
constexpr long long kCrashAt = 3000;          // rows done when the server crashes

TEST(BackfillBatchCommit, ACrashLosesWholeBatchesWithTheirCursorAndResumeRedoesThem) {
  Result<std::unique_ptr<zs::testing::TempCluster>> cluster = zs::testing::TempCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  Result<std::string> url = (*cluster)->CreateDatabase("lost_commits");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  pid_t wal_writer = 0;
  {
    pg::Connection admin = Open(*url);
    // No autovacuum transaction may commit (and so flush the WAL) meanwhile.
    MustRun(admin, "ALTER SYSTEM SET autovacuum = off");
    MustRun(admin, "SELECT pg_reload_conf()");
    MustRun(admin, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
    MustRun(admin, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                               "generate_series(1, {}) AS i; ANALYZE users",
                               kRows));
    ASSERT_TRUE(zs::testing::WaitUntil([&] { return Text(admin, "SHOW autovacuum") == "off"; },
                                       std::chrono::seconds(30), std::chrono::milliseconds(20)));
    wal_writer = static_cast<pid_t>(
        Int(admin, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'"));
    ASSERT_GT(wal_writer, 0);
  }

  std::unique_ptr<StoppedProcess> stopped;
  std::atomic<long long> reported{0};  // rows_done of the last batch reported committed
  Gate at_crash_point, crashed;
  Options options{.batch_size = 500};
  options.on_event = [&](const Event& event) {
    if (event.kind != EventKind::kProgress) return;
    reported = event.progress.rows_done;
    if (!stopped && reported >= kStopWalWriterAt)
      stopped = std::make_unique<StoppedProcess>(wal_writer);
    if (reported >= kCrashAt && !at_crash_point.IsOpen()) {
      at_crash_point.Open();
      crashed.Wait();
    }
  };
  engine::Options engine_options;
  engine_options.backfill = options;
  Status interrupted;
  {
    engine::Engine engine = engine::test_util::MustConnectAndInit(*url, engine_options);
    std::thread runner([&] {
      interrupted = engine.Start(engine::test_util::SplitName());
      at_crash_point.Open();  // a run that never got there ends the wait too
    });
    at_crash_point.Wait();
    if (stopped == nullptr) {  // then the run is over: no thread is left waiting
      runner.join();
      FAIL() << "the backfill ended before the WAL writer was stopped: " << interrupted.ToString();
    }
    // PostgreSQL treats a killed WAL writer as a crash: every backend quits,
    // the WAL buffers are gone; then an immediate shutdown and a start.
    stopped->Kill();
    Status restarted = (*cluster)->Restart();
    crashed.Open();
    runner.join();
    ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  }
  EXPECT_FALSE(interrupted.ok()) << "the backfill did not notice the crash";

  pg::Connection admin = Open(*url);
  // No cursor row at all: even the first batch was lost.
  long long saved =
      Int(admin, "SELECT coalesce(min(rows_done), 0) FROM zeroshift.backfill_cursors");
  EXPECT_LT(saved, kCrashAt) << "no batch commit was lost: the batches committed synchronously";
  // Every lost batch went with its cursor: exactly the rows of the saved
  // cursor are backfilled (the walk is by id).
  EXPECT_EQ(Int(admin, "SELECT count(*) FROM users WHERE first_name IS NOT NULL"), saved);

  engine::Engine again = engine::test_util::MustConnectAndInit(*url, {});
  Status resumed = again.Start(engine::test_util::SplitName());
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  EXPECT_EQ(Int(admin, "SELECT min(rows_done) FROM zeroshift.backfill_cursors"), kRows)
      << "a batch was counted twice or skipped";
  EXPECT_EQ(Int(admin,
                "SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM "
                "split_part(name, ' ', 1) OR last_name IS DISTINCT FROM split_part(name, ' ', 2)"),
            0);
}

}  // namespace
}  // namespace zs::backfill
