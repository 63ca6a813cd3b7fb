// The lock queue under client load. A session holds a lock on `users` in an
// open transaction (a report, a forgotten psql); every DDL statement of start
// and complete then waits behind it, and every client request arriving after
// the DDL waits behind the DDL. The contract: no client waits longer than
// lock_timeout plus a small margin, because each attempt gives up at
// lock_timeout and lets the queue drain before the next; the command
// succeeds once the blocker ends, or, when it never ends, stops with an
// error naming it and leaves a state that re-running or rolling back finishes.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <thread>

#include "cli/status_json.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "lab/users_table.h"
#include "lab/workload.h"
#include "migration/parser.h"
#include "testing/catalog_dump.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using std::chrono::milliseconds;
using zs::testing::Open;

constexpr milliseconds kLockTimeout{200};
// What a client may wait beyond lock_timeout: the brief ACCESS EXCLUSIVE of
// the statement once it has the lock, a backfill batch's row locks, and the
// scheduling noise of a 2-core machine running two tests at once. A client
// queued behind a DDL statement that waited for the blocker would wait
// until the blocker ended (two attempts or more, each lock_timeout long).
constexpr milliseconds kMargin{400};
// The blocker ends once this many of the engine's attempts have given up on it
// (event-ordered: a slow machine makes the wait longer, never the test wrong).
constexpr int kRetriesBeforeRelease = 2;
constexpr long long kRows = 5000;

void Sleep(milliseconds duration) { std::this_thread::sleep_for(duration); }

// A session in an open transaction that has read `users`: it holds ACCESS
// SHARE, which conflicts with every ACCESS EXCLUSIVE statement.
class Blocker {
 public:
  explicit Blocker(const std::string& url) : conn_(Open(url)) {
    testing::MustRun(conn_, "SET application_name = 'monthly-report'");
    testing::MustRun(conn_, "BEGIN");
    testing::MustRun(conn_, "SELECT count(*) FROM users");
  }
  ~Blocker() {
    if (releaser_.joinable()) releaser_.join();
    if (conn_.InTransaction()) (void)conn_.Run("COMMIT");
  }
  int pid() const { return conn_.BackendPid(); }
  // Commits once `done()` holds (polled; at most a minute, against a hang).
  void ReleaseWhen(std::function<bool()> done) {
    releaser_ = std::thread([this, done = std::move(done)] {
      for (int i = 0; i < 6000 && !done(); ++i) Sleep(milliseconds(10));
      EXPECT_TRUE(conn_.Run("COMMIT").ok());
    });
  }
  void Release() { EXPECT_TRUE(conn_.Run("COMMIT").ok()); }

 private:
  pg::Connection conn_;
  std::thread releaser_;
};

class LockQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::FreshDatabaseUrl();
    pg::Connection conn = Open(url_);
    Status loaded = lab::LoadUsers(conn, kRows);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
    auto migration = migration::ParseMigration(testing::kSplitNameYaml, "02_split_name.yaml");
    ASSERT_TRUE(migration.ok()) << migration.status().ToString();
    migration_ = std::move(migration).value();
    // A long statement_timeout: a request stuck in the queue is measured, not cut short.
    workload_ =
        std::make_unique<lab::Workload>(lab::WorkloadOptions{.conninfo = url_,
                                                             .clients = 4,
                                                             .rate = 200,
                                                             .id_range = kRows,
                                                             .timeout = milliseconds(10000)});
  }
  void TearDown() override {
    if (workload_) workload_->Stop();
  }

  Engine Connect(int max_attempts) {
    Options options;
    options.retry.lock_timeout = kLockTimeout;
    // Every attempt waits the whole bound, so the queue behind it forms and
    // the bound is put to the test (the short first waits: LockWaitForTest).
    options.retry.first_lock_timeout = kLockTimeout;
    options.retry.max_attempts = max_attempts;
    options.retry.initial_backoff = milliseconds(50);
    options.retry.max_backoff = milliseconds(300);
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
    return test_util::MustConnect(url_, std::move(options));
  }

  // Log lines of lock retries that name `pid` as the holder.
  int RetriesBlockedBy(int pid) {
    std::lock_guard<std::mutex> lock(log_mu_);
    const std::string holder = "is locked by pid " + std::to_string(pid) + " (monthly-report";
    return static_cast<int>(std::count_if(log_.begin(), log_.end(), [&](const std::string& l) {
      return l.find("lock not available") != std::string::npos &&
             l.find(holder) != std::string::npos;
    }));
  }

  void ShiftClientsToTheNewVersion(Engine& engine) {
    Result<std::string> version = engine.LatestVersionSchema();
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    workload_->ShiftTo(lab::ClientVersion::kV2, *version);
    for (int i = 0; i < 300 && !workload_->AllShifted(); ++i) Sleep(milliseconds(10));
    ASSERT_TRUE(workload_->AllShifted());
  }

  // Stops the clients and checks the contract on every request they made.
  void ExpectNoClientWaitedPastTheLockTimeout() {
    workload_->Stop();
    std::vector<lab::RequestRecord> records = workload_->Records();
    ASSERT_GT(records.size(), 100u);
    double longest = 0;
    for (const auto& r : records) longest = std::max(longest, r.latency_ms);
    std::map<std::string, long long> errors = workload_->ErrorCounts();
    EXPECT_TRUE(errors.empty()) << errors.begin()->first;
    EXPECT_LT(longest, static_cast<double>((kLockTimeout + kMargin).count()))
        << "a client waited longer than lock_timeout + margin";
    // The queue did form: some request waited behind a DDL statement's
    // attempt, so the bound above was put to the test.
    EXPECT_GT(longest, static_cast<double>(kLockTimeout.count()) / 2)
        << "no request queued behind a DDL attempt";
    std::printf("lock queue: %zu client requests, longest %.0f ms (lock_timeout %lld ms)\n",
                records.size(), longest, static_cast<long long>(kLockTimeout.count()));
  }

  std::string Value(const std::string& sql) {
    pg::Connection conn = Open(url_);
    auto rows = conn.Exec(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() && rows->size() == 1 ? rows->Get(0, 0) : "";
  }

  std::string url_;
  migration::Migration migration_;
  std::unique_ptr<lab::Workload> workload_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

constexpr char kEveryRowSplit[] =
    "SELECT count(*) FILTER (WHERE first_name IS NULL OR last_name IS NULL) FROM public.users";

TEST_F(LockQueueTest, StartAndCompleteWaitOutABlockerWithoutStallingTheClients) {
  Engine engine = Connect(/*max_attempts=*/40);
  ASSERT_TRUE(engine.Init().ok());
  workload_->Start();
  Sleep(milliseconds(300));

  Blocker before_start(url_);
  before_start.ReleaseWhen(
      [&] { return RetriesBlockedBy(before_start.pid()) >= kRetriesBeforeRelease; });
  Status started = engine.Start(migration_);
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_GE(RetriesBlockedBy(before_start.pid()), kRetriesBeforeRelease);

  ShiftClientsToTheNewVersion(engine);
  Blocker before_complete(url_);
  before_complete.ReleaseWhen(
      [&] { return RetriesBlockedBy(before_complete.pid()) >= kRetriesBeforeRelease; });
  Status completed = engine.Complete();
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_GE(RetriesBlockedBy(before_complete.pid()), kRetriesBeforeRelease);

  Sleep(milliseconds(200));
  ExpectNoClientWaitedPastTheLockTimeout();
  EXPECT_EQ(Value(kEveryRowSplit), "0");
}

TEST_F(LockQueueTest, AStartThatRunsOutOfRetriesStopsCleanlyAndRerunsOnceTheBlockerEnds) {
  pg::Connection observer = Open(url_);
  {
    Engine init = Connect(1);
    ASSERT_TRUE(init.Init().ok());
  }
  const std::string before = testing::CatalogDump(observer);
  workload_->Start();
  Sleep(milliseconds(300));

  Blocker blocker(url_);
  Result<nlohmann::json> status = nlohmann::json();
  {
    // Its own session, ended before the next command, as a process's would be.
    Engine engine = Connect(/*max_attempts=*/3);
    Status started = engine.Start(migration_);
    EXPECT_EQ(started.code(), Code::kLockTimeout) << started.ToString();
    EXPECT_NE(started.message().find("gave up after 3 attempts"), std::string::npos)
        << started.message();
    EXPECT_NE(started.message().find("is locked by pid " + std::to_string(blocker.pid())),
              std::string::npos)
        << started.message();
    EXPECT_NE(started.message().find("--lock-timeout / --lock-retries"), std::string::npos);
    status = cli::StatusJson(engine);
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    EXPECT_EQ((*status)["active"]["step"], "starting") << status->dump();
  }
  blocker.Release();

  // Rolling back the stopped start restores the catalog exactly...
  {
    Engine rollback = Connect(3);
    Status rolled_back = rollback.Rollback();
    ASSERT_TRUE(rolled_back.ok()) << rolled_back.ToString() << "\nstatus: " << status->dump();
  }
  EXPECT_EQ(testing::CatalogDump(observer), before);
  // ...and starting again goes through now that the blocker is gone.
  Engine again = Connect(3);
  Status restarted = again.Start(migration_);
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  ShiftClientsToTheNewVersion(again);
  ASSERT_TRUE(again.Complete().ok());
  ExpectNoClientWaitedPastTheLockTimeout();
  EXPECT_EQ(Value(kEveryRowSplit), "0");
}

TEST_F(LockQueueTest, ACompleteThatRunsOutOfRetriesLeavesTheMigrationActiveAndResumes) {
  workload_->Start();
  Sleep(milliseconds(300));
  {
    Engine engine = Connect(/*max_attempts=*/3);
    ASSERT_TRUE(engine.Init().ok());
    ASSERT_TRUE(engine.Start(migration_).ok());
    ShiftClientsToTheNewVersion(engine);
  }

  Blocker blocker(url_);
  {
    Engine engine = Connect(/*max_attempts=*/3);
    Status completed = engine.Complete();
    EXPECT_EQ(completed.code(), Code::kLockTimeout) << completed.ToString();
    EXPECT_NE(completed.message().find("is locked by pid " + std::to_string(blocker.pid())),
              std::string::npos)
        << completed.message();
    Result<nlohmann::json> status = cli::StatusJson(engine);
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    EXPECT_TRUE((*status)["active"].is_object()) << status->dump();
  }
  // Both versions still work while the operator looks into it.
  EXPECT_EQ(Value("SELECT count(*) > 0 FROM public.users WHERE name IS NOT NULL"), "t");
  blocker.Release();

  Engine rerun = Connect(3);
  Status resumed = rerun.Complete();
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  ExpectNoClientWaitedPastTheLockTimeout();
  EXPECT_EQ(Value(kEveryRowSplit), "0");
  EXPECT_EQ(Value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                  "'public' AND table_name = 'users' AND column_name = 'name'"),
            "0");
}

}  // namespace
}  // namespace zs::engine
