// The batch loop against a real PostgreSQL, driven through the engine with
// the seed's split-name migration: fixed mode keeps the exact schedule,
// adaptive mode grows its batches and backs off from a long transaction,
// pause and resume through the control row from another connection, backing
// off while a real streaming standby does not replay, and resuming after a
// server crash.
#include "backfill/backfill.h"
#include "cli/status_json.h"
#include "testing/test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "migration/parser.h"
#include "pg/connection.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"

namespace zs::backfill {
namespace {

using engine::test_util::SplitName;
using zs::testing::MustRun;
using zs::testing::Open;

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

long long QueryInt(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return -1;
  return rows->GetInt(0, 0);
}

void CreateUsers(pg::Connection& conn, int rows) {
  MustRun(conn, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
  MustRun(conn, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Last' || i FROM "
                            "generate_series(1, {}) AS i; ANALYZE users",
                            rows));
}

// Rows whose new columns are not the split of `name`: 0 once backfilled.
long long WrongRows(pg::Connection& conn) {
  return QueryInt(
      conn,
      "SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM "
      "split_part(name, ' ', 1) OR last_name IS DISTINCT FROM split_part(name, ' ', 2)");
}

long long RowsDone(pg::Connection& conn) {
  return QueryInt(conn, "SELECT coalesce(min(rows_done), 0) FROM zeroshift.backfill_cursors");
}

// Every event of a run, safe to read from the test's thread.
class Events {
 public:
  std::function<void(const Event&)> Sink() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    };
  }
  std::vector<Event> All() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  long long Count(EventKind kind) {
    long long n = 0;
    for (const auto& e : All()) n += e.kind == kind;
    return n;
  }
  // The rows of each batch, in order (the progress events').
  std::vector<long long> BatchSizes() {
    std::vector<long long> sizes;
    for (const auto& e : All()) {
      if (e.kind == EventKind::kProgress) sizes.push_back(e.progress.batch_rows);
    }
    return sizes;
  }
  // The reason the last throttle event gave ("" without one).
  std::string LastThrottleReason() {
    std::string reason;
    for (const auto& e : All()) {
      if (e.kind == EventKind::kThrottle) reason = e.progress.throttle_reason;
    }
    return reason;
  }
  Progress Last() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.empty() ? Progress{} : events_.back().progress;
  }

 private:
  std::mutex mu_;
  std::vector<Event> events_;
};

engine::Engine Connect(const std::string& url, Options backfill) {
  engine::Options options;
  options.backfill = std::move(backfill);
  return engine::test_util::MustConnectAndInit(url, std::move(options));
}

// Waits up to `limit` for `done`; false on timeout.
bool WaitFor(const std::function<bool()>& done, milliseconds limit = milliseconds(30000)) {
  return zs::testing::WaitUntil(done, limit, milliseconds(20));
}

TEST(BackfillTest, FixedModeKeepsTheScheduleAndIgnoresPressure) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  // A long transaction that adaptive mode would back off from (it holds an
  // xid, but no lock on users: start's DDL must not wait for it).
  pg::Connection reader = Open(url);
  MustRun(reader, "BEGIN; SELECT txid_current()");
  Events events;
  Options options{.batch_size = 300, .batch_delay = milliseconds(40)};
  options.pressure.max_xact_age = milliseconds(1);
  options.on_event = events.Sink();
  engine::Engine engine = Connect(url, options);
  auto started = Clock::now();
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();
  auto elapsed = Clock::now() - started;
  MustRun(reader, "COMMIT");

  std::vector<long long> sizes = events.BatchSizes();
  EXPECT_EQ(sizes, (std::vector<long long>{300, 300, 300, 300}));
  EXPECT_EQ(events.Count(EventKind::kThrottle), 0);
  EXPECT_EQ(events.Last().rows_done, 1000);
  EXPECT_TRUE(events.Last().finished);
  EXPECT_GE(elapsed, milliseconds(3 * 40)) << "the delay follows each of the first 3 batches";
  EXPECT_EQ(WrongRows(admin), 0);
}

// Polls until `reader`'s open transaction is older than `age` (a precondition
// the server states, rather than a sleep the test guesses).
void WaitUntilTransactionOlderThan(pg::Connection& admin, pg::Connection& reader,
                                   milliseconds age) {
  long long pid = QueryInt(reader, "SELECT pg_backend_pid()");
  std::string sql = fmt::format(
      "SELECT (now() - xact_start > interval '{} milliseconds')::int FROM pg_stat_activity "
      "WHERE pid = {}",
      age.count(), pid);
  while (QueryInt(admin, sql) != 1) std::this_thread::sleep_for(milliseconds(20));
}

TEST(BackfillTest, AdaptiveModeGrowsBatchesAndBacksOffFromALongTransaction) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 60000);
  pg::Connection reader = Open(url);
  MustRun(reader, "BEGIN; SELECT txid_current()");
  WaitUntilTransactionOlderThan(admin, reader, milliseconds(250));
  Events events;
  Options options{.batch_size = 100, .adaptive = true, .target_batch = milliseconds(50)};
  options.min_batch_rows = 100;
  options.max_backoff = milliseconds(100);
  options.pressure.max_xact_age = milliseconds(200);
  // The pressure ends when the backfill has noticed it (its throttle event),
  // not after a guessed time: the test orders events, it does not time them.
  std::atomic<bool> committed{false};
  options.on_event = [&reader, &committed, sink = events.Sink()](const Event& e) {
    sink(e);
    if (e.kind == EventKind::kThrottle && !committed.exchange(true)) MustRun(reader, "COMMIT");
  };
  engine::Engine engine = Connect(url, options);
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();

  long long largest = 0;
  for (const auto& e : events.All()) largest = std::max(largest, e.progress.batch_rows);
  std::string reason = events.LastThrottleReason();
  EXPECT_GT(largest, 100) << "batches never grew";
  EXPECT_EQ(events.Count(EventKind::kThrottle), 1) << "one log line per pressure episode";
  EXPECT_NE(reason.find("open longer than 200 ms"), std::string::npos) << reason;
  EXPECT_GT(events.Last().throttled_batches, 0);
  EXPECT_EQ(events.Last().rows_done, 60000);
  EXPECT_EQ(WrongRows(admin), 0);
}

// A sampler standing in for ProbePressure: one session idle in transaction
// for two minutes, past a one-minute --backfill-max-xact-age.
PressureSample StuckSession() {
  return {.long_transactions = 1,
          .oldest_transaction = BlockingSession{.pid = 4242,
                                                .user = "app",
                                                .application_name = "report-job",
                                                .client = "10.0.0.7",
                                                .state = "idle in transaction",
                                                .xact_age_ms = 120000,
                                                .query = "SELECT * FROM users"}};
}

// Adaptive options whose pressure probe and throttle sleep are the test's:
// nothing here waits on a clock.
Options InjectedPressure(LongTransactionPolicy policy,
                         std::function<Result<PressureSample>()> probe,
                         std::vector<milliseconds>* sleeps, Events& events) {
  Options options{.batch_size = 100, .adaptive = true, .target_batch = milliseconds(10000)};
  options.min_batch_rows = 10;
  options.max_batch_rows = 100;
  options.pressure.max_xact_age = milliseconds(60000);
  options.pressure.long_transactions = policy;
  options.probe = std::move(probe);
  options.sleep = [sleeps](milliseconds ms) { sleeps->push_back(ms); };
  options.pause_poll = milliseconds(1);
  options.on_event = events.Sink();
  return options;
}

// Issue 20: one session idle in a transaction slowed the backfill to ~100
// rows/s (every batch halved to the minimum and slept up to 5 s). Now the
// batch keeps its size, the sleep follows the batches' own time, and the
// throttle event and `status` name the session.
TEST(BackfillTest, ALongTransactionThrottlesInProportionAndIsNamed) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 300);
  Events events;
  std::vector<milliseconds> sleeps;
  engine::Engine engine = Connect(
      url, InjectedPressure(
               LongTransactionPolicy::kThrottle, [] { return StuckSession(); }, &sleeps, events));
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (long long rows : events.BatchSizes()) EXPECT_EQ(rows, 100) << "batch shrank";
  std::string reason = events.LastThrottleReason();
  EXPECT_EQ(events.Count(EventKind::kThrottle), 1);
  EXPECT_EQ(events.Count(EventKind::kProgress), 4) << "300 rows in batches of 100, then the end";
  EXPECT_EQ(sleeps.size(), 4u);
  EXPECT_EQ(sleeps.front(), milliseconds(0)) << "no batch yet: nothing to be proportional to";
  EXPECT_NE(reason.find("pid 4242"), std::string::npos) << reason;
  EXPECT_NE(reason.find("report-job"), std::string::npos) << reason;
  EXPECT_NE(reason.find("pg_terminate_backend(4242)"), std::string::npos) << reason;
  EXPECT_EQ(events.Last().rows_done, 300);
  EXPECT_EQ(WrongRows(admin), 0);
  Result<nlohmann::json> json = cli::StatusJson(engine);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_NE(json->dump().find("pid 4242"), std::string::npos) << json->dump(2);
}

// --backfill-long-xact=wait: no batch runs until the session ends.
TEST(BackfillTest, ALongTransactionCanBeWaitedFor) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 300);
  Events events;
  std::vector<milliseconds> sleeps;
  std::vector<long long> progress_at_probe;
  auto probe = [&]() -> Result<PressureSample> {
    progress_at_probe.push_back(events.Count(EventKind::kProgress));
    return progress_at_probe.size() <= 3 ? StuckSession() : PressureSample{};
  };
  engine::Engine engine =
      Connect(url, InjectedPressure(LongTransactionPolicy::kWait, probe, &sleeps, events));
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_GE(progress_at_probe.size(), 4u);
  EXPECT_EQ(progress_at_probe[3], 0) << "a batch ran while the session was still open";
  EXPECT_EQ(sleeps.size(), 3u);
  EXPECT_EQ(events.Last().rows_done, 300);
  EXPECT_EQ(WrongRows(admin), 0);
}

// --backfill-long-xact=stop: the backfill ends with an error naming the
// session, `status` keeps it, and a later run resumes; --backfill-long-xact=
// proceed runs at full speed (no sleep) but still reports it.
TEST(BackfillTest, ALongTransactionCanStopTheBackfillOrBeIgnored) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 300);
  Events events;
  std::vector<milliseconds> sleeps;
  {
    engine::Engine engine = Connect(
        url, InjectedPressure(
                 LongTransactionPolicy::kStop, [] { return StuckSession(); }, &sleeps, events));
    Status status = engine.Start(SplitName());
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("pid 4242"), std::string::npos) << status.ToString();
    EXPECT_EQ(events.Count(EventKind::kProgress), 0);
    Result<nlohmann::json> json = cli::StatusJson(engine);
    ASSERT_TRUE(json.ok()) << json.status().ToString();
    EXPECT_NE(json->dump().find("pid 4242"), std::string::npos) << json->dump(2);
  }
  Events later;
  engine::Engine engine = Connect(
      url, InjectedPressure(
               LongTransactionPolicy::kProceed, [] { return StuckSession(); }, &sleeps, later));
  sleeps.clear();
  Status status = engine.Backfill();
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (milliseconds ms : sleeps) EXPECT_EQ(ms, milliseconds(0));
  EXPECT_EQ(later.Count(EventKind::kThrottle), 1) << "proceeding still reports the session";
  EXPECT_EQ(later.Last().rows_done, 300);
  EXPECT_EQ(WrongRows(admin), 0);
}

// --backfill-nice-ratio: the probe before each of the first three batches
// says clients work, then none. Each of those batches is followed by ratio x
// its (injected) duration; none once they stop; the event log says once that
// yielding starts and once that it stops, and status keeps why.
TEST(BackfillTest, YieldsToWorkingClientsByTheRatioOfEachBatch) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 500);
  Events events;
  std::vector<milliseconds> sleeps;
  int probes = 0;
  auto probe = [&probes]() -> Result<PressureSample> {
    ++probes;
    return probes <= 3 ? PressureSample{.clients_working = 2} : PressureSample{};
  };
  Options options = InjectedPressure(LongTransactionPolicy::kThrottle, probe, &sleeps, events);
  options.nice_ratio = 1.5;
  options.batch_duration = [] { return std::chrono::duration<double>(0.04); };
  engine::Engine engine = Connect(url, options);
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();
  // Probes 1-3 (before batches 1-3) see clients: 1.5 x 40 ms after each of
  // those batches; probes 4-6 see none.
  EXPECT_EQ(sleeps, std::vector<milliseconds>(3, milliseconds(60)));
  std::vector<Event> yields;
  for (const Event& e : events.All()) {
    if (e.kind == EventKind::kYield) yields.push_back(e);
  }
  ASSERT_EQ(yields.size(), 2u) << "once when yielding starts, once when it stops";
  EXPECT_TRUE(yields[0].progress.yielding);
  EXPECT_NE(yields[0].progress.yield_reason.find("2 client session(s) working"), std::string::npos)
      << yields[0].progress.yield_reason;
  EXPECT_NE(yields[0].progress.yield_reason.find("--backfill-nice-ratio 1.5"), std::string::npos)
      << yields[0].progress.yield_reason;
  EXPECT_FALSE(yields[1].progress.yielding);
  EXPECT_EQ(yields[1].progress.rows_done, 300) << "stopped after the third batch";
  EXPECT_EQ(events.Count(EventKind::kThrottle), 0) << "yielding is not pressure";
  EXPECT_EQ(events.Last().rows_done, 500);
  EXPECT_EQ(WrongRows(admin), 0);
  Result<nlohmann::json> json = cli::StatusJson(engine);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_NE(json->dump().find("--backfill-nice-ratio 1.5"), std::string::npos) << json->dump(2);
}

// No client working: full speed. Ratio 0: never yields, clients or not. A
// session whose state is hidden counts as working.
TEST(BackfillTest, NoClientOrRatioZeroMeansNoSleepAndAHiddenSessionWorks) {
  struct Case {
    const char* name;
    PressureSample sample;
    double ratio;
    bool yields;
  };
  for (const Case& c : {Case{"no client", PressureSample{}, 1.0, false},
                        Case{"ratio 0", PressureSample{.clients_working = 4}, 0.0, false},
                        Case{"hidden session", PressureSample{.hidden_sessions = 1}, 1.0, true}}) {
    SCOPED_TRACE(c.name);
    std::string url = zs::testing::FreshDatabaseUrl();
    pg::Connection admin = Open(url);
    CreateUsers(admin, 300);
    Events events;
    std::vector<milliseconds> sleeps;
    PressureSample sample = c.sample;
    Options options = InjectedPressure(
        LongTransactionPolicy::kThrottle, [sample] { return sample; }, &sleeps, events);
    options.nice_ratio = c.ratio;
    options.batch_duration = [] { return std::chrono::duration<double>(0.04); };
    engine::Engine engine = Connect(url, options);
    Status status = engine.Start(SplitName());
    ASSERT_TRUE(status.ok()) << status.ToString();
    if (c.yields) {
      // Four batches: a sleep after each of the first three (the fourth ends it).
      EXPECT_EQ(sleeps, std::vector<milliseconds>(3, milliseconds(40)));
      EXPECT_EQ(events.Count(EventKind::kYield), 1);
    } else {
      EXPECT_TRUE(sleeps.empty()) << sleeps.size() << " sleeps";
      EXPECT_EQ(events.Count(EventKind::kYield), 0);
    }
    EXPECT_EQ(events.Last().rows_done, 300);
    EXPECT_EQ(WrongRows(admin), 0);
  }
}

TEST(BackfillTest, PauseAndResumeFromAnotherConnection) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100000);
  Events events;
  Options options{.batch_size = 200, .adaptive = true, .target_batch = milliseconds(20)};
  options.max_batch_rows = 500;
  options.pause_poll = milliseconds(50);
  options.on_event = events.Sink();
  engine::Engine engine = Connect(url, options);
  Status result;
  std::thread runner([&] { result = engine.Start(SplitName()); });

  ASSERT_TRUE(WaitFor([&] { return RowsDone(admin) > 0; }));
  engine::Engine other = Connect(url, {});
  Result<state::BackfillControl> paused =
      other.ControlBackfill([](state::BackfillControl& c) { c.paused = true; });
  ASSERT_TRUE(paused.ok()) << paused.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return events.Count(EventKind::kPause) == 1; }));
  long long at_pause = RowsDone(admin);
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(RowsDone(admin), at_pause) << "a paused backfill kept writing";
  EXPECT_LT(at_pause, 100000);
  // Paused means no transaction held open by the backfill.
  EXPECT_EQ(QueryInt(admin,
                     "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'zeroshift' "
                     "AND datname = current_database() AND xact_start IS NOT NULL AND pid <> "
                     "pg_backend_pid()"),
            0);
  Result<nlohmann::json> status = cli::StatusJson(other);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ((*status)["active"]["backfill"][0]["state"], "paused") << status->dump();
  EXPECT_EQ((*status)["active"]["backfill_control"]["paused"], true);

  ASSERT_TRUE(other.ControlBackfill([](state::BackfillControl& c) { c.paused = false; }).ok());
  runner.join();
  ASSERT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(events.Count(EventKind::kResume), 1);
  EXPECT_EQ(RowsDone(admin), 100000);
  EXPECT_EQ(WrongRows(admin), 0);
}

TEST(BackfillTest, RetuneSwitchesARunningBackfillToFixedBatches) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 100000);
  Events events;
  Options options{.batch_size = 200, .adaptive = true, .target_batch = milliseconds(20)};
  options.max_batch_rows = 500;
  options.on_event = events.Sink();
  engine::Engine engine = Connect(url, options);
  Status result;
  std::thread runner([&] { result = engine.Start(SplitName()); });
  ASSERT_TRUE(WaitFor([&] { return RowsDone(admin) > 0; }));
  engine::Engine other = Connect(url, {});
  ASSERT_TRUE(other.ControlBackfill([](state::BackfillControl& c) { c.batch_size = 777; }).ok());
  runner.join();
  ASSERT_TRUE(result.ok()) << result.ToString();

  std::vector<long long> sizes = events.BatchSizes();
  ASSERT_GE(sizes.size(), 3u);
  EXPECT_LE(sizes.front(), 500) << "adaptive batches before the retune";
  EXPECT_EQ(sizes.back(), 777);
  EXPECT_EQ(sizes[sizes.size() - 2], 777);
  EXPECT_EQ(RowsDone(admin), 100000);
  EXPECT_EQ(WrongRows(admin), 0);
}

TEST(BackfillTest, BacksOffWhileAStandbyDoesNotReplay) {
  Result<std::unique_ptr<zs::testing::TempCluster>> primary = zs::testing::TempCluster::Start();
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  Result<std::string> url = (*primary)->CreateDatabase("lag");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  pg::Connection admin = Open(*url);
  CreateUsers(admin, 100000);
  Result<std::unique_ptr<zs::testing::TempCluster>> standby = (*primary)->StartStandby();
  ASSERT_TRUE(standby.ok()) << standby.status().ToString();
  pg::Connection replica = Open((*standby)->Url("lag"));
  ASSERT_TRUE(WaitFor([&] {
    return QueryInt(admin, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") ==
           1;
  }));
  MustRun(replica, "SELECT pg_wal_replay_pause()");

  Events events;
  Options options{.batch_size = 1000, .adaptive = true, .target_batch = milliseconds(50)};
  options.max_backoff = milliseconds(200);
  options.pressure.max_lag_bytes = 512 << 10;
  options.on_event = events.Sink();
  engine::Engine engine = Connect(*url, options);
  Status result;
  std::thread runner([&] { result = engine.Start(SplitName()); });
  ASSERT_TRUE(WaitFor([&] { return events.Count(EventKind::kThrottle) > 0; }));
  std::this_thread::sleep_for(milliseconds(1000));
  Progress throttled = events.Last();
  EXPECT_FALSE(throttled.finished) << "finished although the standby replayed nothing";
  EXPECT_GE(throttled.throttled_batches, 3);
  MustRun(replica, "SELECT pg_wal_replay_resume()");
  runner.join();
  ASSERT_TRUE(result.ok()) << result.ToString();
  std::string reason = events.LastThrottleReason();
  EXPECT_NE(reason.find("standby replay lag"), std::string::npos) << reason;
  EXPECT_EQ(events.Last().rows_done, 100000);
  EXPECT_EQ(WrongRows(admin), 0);
  // The standby caught up and has every row backfilled too.
  ASSERT_TRUE(WaitFor([&] { return WrongRows(replica) == 0; }));
}

TEST(BackfillTest, ResumesAfterTheServerCrashesMidBackfill) {
  Result<std::unique_ptr<zs::testing::TempCluster>> cluster = zs::testing::TempCluster::Start();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  Result<std::string> url = (*cluster)->CreateDatabase("crash");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  {
    pg::Connection admin = Open(*url);
    CreateUsers(admin, 100000);
  }
  Options options{.batch_size = 500, .batch_delay = milliseconds(2)};
  Status interrupted;
  {
    engine::Engine engine = Connect(*url, options);
    std::thread runner([&] { interrupted = engine.Start(SplitName()); });
    pg::Connection watcher = Open(*url);
    EXPECT_TRUE(WaitFor([&] { return RowsDone(watcher) >= 5000; }));
    ASSERT_TRUE((*cluster)->Restart().ok());
    runner.join();
  }
  EXPECT_FALSE(interrupted.ok()) << "the backfill did not notice the crash";
  pg::Connection admin = Open(*url);
  long long saved = RowsDone(admin);
  EXPECT_GT(saved, 0);
  EXPECT_LT(saved, 100000);
  engine::Engine again = Connect(*url, options);
  Status resumed = again.Start(SplitName());
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  EXPECT_EQ(RowsDone(admin), 100000) << "a batch was counted twice or skipped";
  EXPECT_EQ(WrongRows(admin), 0);
  EXPECT_EQ(QueryInt(admin, "SELECT count(*) FROM zeroshift.migrations WHERE step = 'active'"), 1);
}

}  // namespace
}  // namespace zs::backfill
