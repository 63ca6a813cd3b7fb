// The parallel backfill (workers.h) against a real PostgreSQL: N sessions
// walk disjoint key ranges and every row ends right; a kill -9 part-way is
// resumed range by range with another N; pause reaches every worker; a range
// that fails stops the others and is named; old and new writers lose nothing.
// Event-ordered: the tests gate the workers through the pressure probe each
// calls before every batch, never through sleeps.
#include "backfill/workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backfill/backfill.h"
#include "cli/status_json.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"
#include "triggers/dual_write.h"
#include "triggers/postgres_dual_write_step_aside.h"

namespace zs::backfill {
namespace {

using engine::test_util::SplitName;
using std::chrono::milliseconds;
using zs::testing::MustRun;
using zs::testing::Open;

long long Int(pg::Connection& conn, const std::string& sql) {
  Result<pg::Rows> rows = conn.Exec(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  if (!rows.ok() || rows->empty() || rows->IsNull(0, 0)) return -1;
  return rows->GetInt(0, 0);
}

long long WrongRows(pg::Connection& conn) {
  return Int(
      conn,
      "SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM split_part(name, ' ', 1) "
      "OR last_name IS DISTINCT FROM split_part(name, ' ', 2)");
}

struct RangeRow {
  std::string name;
  std::optional<std::string> start, end, last_key;
  long long rows_done = 0;
  bool finished = false;
};

std::vector<RangeRow> Ranges(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.Exec(
      "SELECT table_name, range_start::text, range_end::text, last_key::text, rows_done, finished "
      "FROM zeroshift.backfill_cursors WHERE table_name LIKE '% range %' ORDER BY table_name");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::vector<RangeRow> out;
  for (int i = 0; rows.ok() && i < rows->size(); ++i) {
    out.push_back({rows->Get(i, 0), rows->GetOptional(i, 1), rows->GetOptional(i, 2),
                   rows->GetOptional(i, 3), rows->GetInt(i, 4), rows->GetBool(i, 5)});
  }
  return out;
}

// "(tenant, id) > (...)": the rows of `key` after a saved JSON key.
std::string KeyCompare(const std::vector<std::pair<std::string, std::string>>& key,
                       const std::string& op, const std::string& json) {
  std::string columns, values;
  for (size_t i = 0; i < key.size(); ++i) {
    columns += (i ? ", " : "") + key[i].first;
    values += fmt::format("{}({}::jsonb ->> {})::{}", i ? ", " : "", pg::QuoteLiteral(json), i,
                          key[i].second);
  }
  return fmt::format("({}) {} ({})", columns, op, values);
}

// Rows inside a range's bounds: what its cursor must have walked.
long long RowsInRange(pg::Connection& conn, const RangeRow& range,
                      const std::vector<std::pair<std::string, std::string>>& key) {
  std::string where = "true";
  if (range.start) where += " AND " + KeyCompare(key, ">", *range.start);
  if (range.end) where += " AND " + KeyCompare(key, "<=", *range.end);
  return Int(conn, "SELECT count(*) FROM users WHERE " + where);
}

class Events {
 public:
  std::function<void(const Event&)> Sink() {
    return [this](const Event& e) {
      std::lock_guard lock(mu_);
      events_.push_back(e);
    };
  }
  std::vector<Event> All() {
    std::lock_guard lock(mu_);
    return events_;
  }
  long long Count(EventKind kind) {
    long long n = 0;
    for (const auto& e : All()) n += e.kind == kind;
    return n;
  }
  std::string Notes() {
    std::string out;
    for (const auto& e : All()) {
      if (e.kind == EventKind::kNote) out += e.progress.note + "\n";
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<Event> events_;
};

// A probe that never sees pressure, and that `gate` may hold: the tests'
// way of ordering the workers' batches.
Options CalmOptions(int workers, Events& events) {
  Options o{.batch_size = 40, .adaptive = true};
  o.min_batch_rows = 10;
  o.max_batch_rows = 40;
  o.workers = workers;
  o.pause_poll = milliseconds(20);
  o.on_event = events.Sink();
  o.probe = [] { return Result<PressureSample>(PressureSample{}); };
  o.sleep = [](milliseconds) {};
  return o;
}

engine::Engine Connect(const std::string& url, Options backfill) {
  engine::Options options;
  options.backfill = std::move(backfill);
  return engine::test_util::MustConnectAndInit(url, std::move(options));
}

bool WaitFor(const std::function<bool()>& done) {
  return zs::testing::WaitUntil(done, milliseconds(30000), milliseconds(10));
}

struct Shape {
  const char* name;
  const char* create;
  std::vector<std::pair<std::string, std::string>> key;
  bool analyze;  // with statistics the split reads the histogram, else offsets
};

void CheckRanges(pg::Connection& admin, const Shape& shape, int workers, long long rows) {
  std::vector<RangeRow> ranges = Ranges(admin);
  ASSERT_EQ(ranges.size(), static_cast<size_t>(workers)) << shape.name;
  EXPECT_FALSE(ranges.front().start) << "the first range starts at the table's start";
  EXPECT_FALSE(ranges.back().end) << "the last range is open-ended";
  long long total = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    SCOPED_TRACE(ranges[i].name);
    EXPECT_TRUE(ranges[i].finished);
    if (i + 1 < ranges.size()) {
      ASSERT_TRUE(ranges[i].end);
      EXPECT_EQ(ranges[i].end, ranges[i + 1].start) << "ranges are contiguous";
    }
    // Disjoint: each range touched exactly the rows inside its bounds.
    EXPECT_EQ(ranges[i].rows_done, RowsInRange(admin, ranges[i], shape.key));
    EXPECT_GT(ranges[i].rows_done, rows / (4 * workers)) << "split from the key's index";
    total += ranges[i].rows_done;
  }
  EXPECT_EQ(total, rows);
}

TEST(BackfillWorkers, EveryRowRightOnKeysetAndCompositeKeys) {
  const long long rows = 2000;
  std::vector<Shape> shapes = {
      {"bigint key, histogram",
       "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)",
       {{"id", "bigint"}},
       true},
      {"bigint key, offsets",
       "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)",
       {{"id", "bigint"}},
       false},
      {"composite key",
       "CREATE TABLE users (tenant int NOT NULL, id int NOT NULL, name text NOT NULL, "
       "PRIMARY KEY (tenant, id))",
       {{"tenant", "int"}, {"id", "int"}},
       true}};
  for (const Shape& shape : shapes) {
    for (int workers : {2, 4}) {
      SCOPED_TRACE(fmt::format("{}, {} workers", shape.name, workers));
      std::string url = zs::testing::FreshDatabaseUrl();
      pg::Connection admin = Open(url);
      MustRun(admin, shape.create);
      bool composite = shape.key.size() == 2;
      MustRun(admin, fmt::format("INSERT INTO users ({}) SELECT {} 'First' || i || ' Last' || i "
                                 "FROM generate_series(1, {}) AS i",
                                 composite ? "tenant, id, name" : "name",
                                 composite ? "i % 3, i," : "", rows));
      if (shape.analyze) MustRun(admin, "ANALYZE users");
      Events events;
      engine::Engine engine = Connect(url, CalmOptions(workers, events));
      Status status = engine.Start(SplitName());
      ASSERT_TRUE(status.ok()) << status.ToString();
      EXPECT_EQ(WrongRows(admin), 0);
      CheckRanges(admin, shape, workers, rows);
      // One start and one done for the table, its total; progress names the workers.
      EXPECT_EQ(events.Count(EventKind::kStart), 1);
      EXPECT_EQ(events.Count(EventKind::kDone), 1);
      std::vector<Event> all = events.All();
      EXPECT_EQ(all.back().progress.rows_done, rows);
      EXPECT_EQ(all.back().progress.workers, workers);
      // Status: the table's total first, then each range.
      Result<nlohmann::json> json = cli::StatusJson(engine);
      ASSERT_TRUE(json.ok()) << json.status().ToString();
      const nlohmann::json& backfill = (*json)["active"]["backfill"];
      ASSERT_EQ(backfill.size(), static_cast<size_t>(workers + 1)) << json->dump();
      EXPECT_EQ(backfill[0]["rows_done"], rows) << json->dump();
      EXPECT_EQ(backfill[0]["state"], "finished") << json->dump();
      EXPECT_NE(backfill[1]["target"].get<std::string>().find(fmt::format("range 1/{}", workers)),
                std::string::npos)
          << json->dump();
    }
  }
}

// The seed's migration file, for the binary.
std::filesystem::path WriteSplitName() {
  auto path = std::filesystem::temp_directory_path() /
              fmt::format("zs_workers_{}_{}.yaml", static_cast<long>(getpid()),
                          std::chrono::steady_clock::now().time_since_epoch().count());
  std::ofstream(path) << zs::testing::kSplitNameYaml;
  return path;
}

zs::testing::ProcessRun Zeroshift(const std::string& url, std::vector<std::string> args,
                                  const std::string& fault = "") {
  args.insert(args.end(), {"--postgres-url", url, "--quiet"});
  if (!fault.empty()) setenv("ZS_FAULT_AT", fault.c_str(), 1);
  zs::testing::ProcessRun run = zs::testing::RunBinary(args);
  unsetenv("ZS_FAULT_AT");
  return run;
}

// Marks a row the backfill has done as not done, with a value `up` would
// overwrite: written as a batch writes (the trigger stepped aside), so that
// only a walk that goes back over the row changes it again.
void PlantSentinel(pg::Connection& admin, long long id) {
  MustRun(admin,
          fmt::format("BEGIN; SET LOCAL session_replication_role = replica; {}; "
                      "UPDATE users SET first_name = 'SENTINEL', {} = NULL WHERE id = {}; "
                      "COMMIT",
                      triggers::StepAsideSql(), pg::QuoteIdent(triggers::MarkerColumnName()), id));
}

class BackfillWorkersResume : public ::testing::TestWithParam<int> {};

TEST_P(BackfillWorkersResume, EveryRangeResumesWhereItStoppedAfterKill9) {
  const int resume_workers = GetParam();
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 3000);
  std::filesystem::path file = WriteSplitName();
  ASSERT_EQ(Zeroshift(url, {"init"}).exit_code, 0);
  // Killed (SIGKILL) at the 8th committed batch of two workers.
  zs::testing::ProcessRun killed =
      Zeroshift(url,
                {"start", file.string(), "--backfill-workers", "2", "--backfill-max-rows", "40",
                 "--backfill-min-rows", "10"},
                "start:8");
  std::filesystem::remove(file);
  ASSERT_NE(killed.exit_code, 0) << killed.err;
  std::vector<RangeRow> before = Ranges(admin);
  ASSERT_EQ(before.size(), 2u);
  long long done_before = 0;
  std::vector<long long> sentinels;
  for (const RangeRow& range : before) {
    EXPECT_FALSE(range.finished) << range.name;
    done_before += range.rows_done;
    if (range.last_key != range.start) {  // walked part-way: its cursor must be honoured
      long long id = std::stoll(nlohmann::json::parse(*range.last_key)[0].get<std::string>());
      PlantSentinel(admin, id);
      sentinels.push_back(id);
    }
  }
  ASSERT_GE(done_before, 8 * 10);
  ASSERT_FALSE(sentinels.empty());

  zs::testing::ProcessRun resumed =
      Zeroshift(url, {"backfill", "--backfill-workers", std::to_string(resume_workers)});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  // The saved ranges won over the new count, and none went back to its start.
  std::vector<RangeRow> after = Ranges(admin);
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].start, before[i].start);
    EXPECT_EQ(after[i].end, before[i].end);
    EXPECT_TRUE(after[i].finished) << after[i].name;
  }
  for (long long id : sentinels) {
    EXPECT_EQ(Int(admin, fmt::format("SELECT count(*) FROM users WHERE id = {} AND first_name = "
                                     "'SENTINEL'",
                                     id)),
              1)
        << "row " << id << " was walked again: its range restarted before its saved cursor";
  }
  EXPECT_EQ(WrongRows(admin), static_cast<long long>(sentinels.size()));
}

INSTANTIATE_TEST_SUITE_P(OneAndThreeWorkers, BackfillWorkersResume, ::testing::Values(1, 3));

// A whole-table cursor saved by a single-session run is split from where it
// stopped: range 1 starts at its key and carries its rows.
TEST(BackfillWorkers, ASingleCursorIsSplitFromWhereItStopped) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 1000);
  Events events;
  Options single = CalmOptions(1, events);
  // Each batch takes a tenth of the target: the sizing keeps every batch at
  // 40 rows whatever the machine's load (the real clock shrank them on a
  // busy one, and the 200 below became 165-188).
  single.batch_duration = [] { return std::chrono::duration<double>(0.003); };
  int calls = 0;
  single.probe = [&calls]() -> Result<PressureSample> {
    if (++calls > 5) return Internal("probe unavailable (test)");
    return PressureSample{};
  };
  {
    engine::Engine first = Connect(url, single);  // its session (and lock) ends here
    ASSERT_FALSE(first.Start(SplitName()).ok());
  }
  std::optional<std::string> saved_key;
  long long saved_rows = 0;
  {
    Result<pg::Rows> rows =
        admin.Exec("SELECT last_key::text, rows_done FROM zeroshift.backfill_cursors");
    ASSERT_TRUE(rows.ok() && rows->size() == 1);
    saved_key = rows->GetOptional(0, 0);
    saved_rows = rows->GetInt(0, 1);
  }
  ASSERT_EQ(saved_rows, 5 * 40);
  engine::Engine second = Connect(url, CalmOptions(2, events));
  Status status = second.Backfill();
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::vector<RangeRow> ranges = Ranges(admin);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].start, saved_key);
  EXPECT_EQ(ranges[0].rows_done + ranges[1].rows_done, 1000);
  EXPECT_EQ(ranges[0].rows_done, saved_rows + RowsInRange(admin, ranges[0], {{"id", "bigint"}}));
  EXPECT_EQ(WrongRows(admin), 0);
}

// Holds every worker's probe (so every batch) until released.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.wait(lock, [this] { return open_; });
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

TEST(BackfillWorkers, PauseAndResumeReachEveryWorker) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  Events events;
  Options options = CalmOptions(2, events);
  Gate gate;
  options.probe = [&gate]() -> Result<PressureSample> {
    gate.Wait();
    return PressureSample{};
  };
  engine::Engine engine = Connect(url, options);
  Status result;
  std::thread runner([&] { result = engine.Start(SplitName()); });
  engine::Engine other = Connect(url, {});
  // Paused before any batch: both workers are held at their first probe,
  // each runs the batch it was about to, then sees the pause.
  ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 2; }));
  ASSERT_TRUE(other.ControlBackfill([](state::BackfillControl& c) { c.paused = true; }).ok());
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return events.Count(EventKind::kPause) == 1; }))
      << "the pause event comes once every worker has paused";
  std::vector<RangeRow> paused = Ranges(admin);
  ASSERT_EQ(paused.size(), 2u);
  for (const RangeRow& range : paused) {
    EXPECT_EQ(range.rows_done, 40) << range.name << ": one batch, then paused";
  }
  Result<nlohmann::json> status = cli::StatusJson(other);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ((*status)["active"]["backfill"][0]["state"], "paused") << status->dump();
  ASSERT_TRUE(other.ControlBackfill([](state::BackfillControl& c) { c.paused = false; }).ok());
  runner.join();
  ASSERT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(events.Count(EventKind::kResume), 1);
  EXPECT_EQ(WrongRows(admin), 0);
}

TEST(BackfillWorkers, AFailingRangeStopsTheOthersAndIsNamed) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  // Rows past 1000 fail: range 2 of 2 (split near 1000) from its first batch.
  MustRun(admin,
          "CREATE FUNCTION poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
          "EXCEPTION 'row % is poisoned', NEW.id; END $$; CREATE TRIGGER poisoned BEFORE UPDATE "
          "ON users FOR EACH ROW WHEN (NEW.id > 1000) EXECUTE FUNCTION poisoned(); ALTER TABLE "
          "users ENABLE ALWAYS TRIGGER poisoned");
  Events events;
  Options options = CalmOptions(2, events);
  options.fire_user_triggers = true;
  // Each worker's first batch runs at once; any later one waits until a
  // range has failed.
  std::mutex mu;
  std::map<std::thread::id, int> calls;
  options.probe = [&]() -> Result<PressureSample> {
    int call;
    {
      std::lock_guard lock(mu);
      call = ++calls[std::this_thread::get_id()];
    }
    if (call > 1) {
      EXPECT_TRUE(WaitFor([&] { return events.Notes().find("poisoned") != std::string::npos; }));
    }
    return PressureSample{};
  };
  engine::Engine engine = Connect(url, options);
  Status status = engine.Start(SplitName());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("range 2/2 of \"public\".\"users\" (keys after [\""),
            std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("poisoned"), std::string::npos) << status.ToString();
  std::vector<RangeRow> ranges = Ranges(admin);
  ASSERT_EQ(ranges.size(), 2u);
  // Range 1 stops at its next batch: after its first (40 rows), or before
  // it when range 2 failed first (the two threads' first batches race).
  EXPECT_TRUE(ranges[0].rows_done == 0 || ranges[0].rows_done == 40)
      << "range 1 ran past its first batch: " << ranges[0].rows_done << " rows";
  EXPECT_FALSE(ranges[0].finished);
  EXPECT_EQ(ranges[1].rows_done, 0);
}

TEST(BackfillWorkers, OldAndNewWritersLoseNoWriteDuringATwoWorkerBackfill) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  const int rows = 4000;
  engine::test_util::CreateUsers(admin, rows);
  Events events;
  Options options = CalmOptions(2, events);
  // Batches may grow (as by default): the open-ended last range must catch
  // up with the old clients' inserts at the end of the key.
  options.max_batch_rows = 100000;
  // Before each batch, another write of an old client: writes and batches interleave.
  std::atomic<long long> writes{0};
  options.probe = [&writes]() -> Result<PressureSample> {
    long long seen = writes.load();
    EXPECT_TRUE(WaitFor([&] { return writes.load() > seen; }));
    return PressureSample{};
  };
  engine::Engine engine = Connect(url, options);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<long long, std::string> expected;  // id -> name written
  std::vector<std::string> errors;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      pg::Connection conn = Open(url);
      for (long long k = 0; !stop.load(); ++k) {
        std::string name = fmt::format("Old{}x{} Client{}x{}", t, k, t, k);
        Result<pg::Rows> written =
            k % 2 == 0 ? conn.ExecParams("INSERT INTO public.users (name) VALUES ($1) RETURNING id",
                                         {name})
                       : conn.ExecParams(
                             "UPDATE public.users SET name = $1 WHERE id = $2 "
                             "RETURNING id",
                             // Odd ids (the new client below writes even ones), each
                             // old client its own: two writers of one row return in
                             // an order `expected` cannot tell from their commits'.
                             {name, std::to_string(1 + 2 * t + 4 * ((k * 37) % (rows / 4)))});
        std::lock_guard lock(mu);
        if (!written.ok()) {
          errors.push_back(written.status().ToString());
        } else {
          expected[written->GetInt(0, 0)] = name;
        }
        writes.fetch_add(1);
      }
    });
  }
  Status status = engine.Start(SplitName());
  // New clients, through the new version, while the old ones still write.
  pg::Connection fresh = Open(url);
  MustRun(fresh, fmt::format("SET search_path TO {}", engine::test_util::kVersionSchema));
  for (long long id = 2; id <= rows; id += 194) {
    MustRun(fresh, fmt::format("UPDATE users SET first_name = 'New{0}', last_name = 'Name{0}' "
                               "WHERE id = {0}",
                               id));
    std::lock_guard lock(mu);
    expected[id] = fmt::format("New{0} Name{0}", id);
  }
  stop = true;
  for (auto& client : clients) client.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_GT(writes.load(), 10);
  std::vector<RangeRow> ranges = Ranges(admin);
  ASSERT_EQ(ranges.size(), 2u);
  // Every row right, and every write where its writer left it.
  EXPECT_EQ(WrongRows(admin), 0);
  Result<pg::Rows> stored = admin.Exec("SELECT id, first_name || ' ' || last_name FROM users");
  ASSERT_TRUE(stored.ok());
  std::map<long long, std::string> actual;
  for (int i = 0; i < stored->size(); ++i) actual[stored->GetInt(i, 0)] = stored->Get(i, 1);
  int lost = 0;
  for (const auto& [id, name] : expected) {
    if (actual[id] != name && ++lost <= 10)
      ADD_FAILURE() << "row " << id << ": " << actual[id] << " expected " << name;
  }
  EXPECT_EQ(lost, 0);
}

// --backfill-nice-ratio with N workers: while clients work, each batch and
// its pause (ratio x the batch's injected time) hold a turn the workers
// share, so they yield as one session; the event log says once, for the
// table, that the backfill yields, though every worker does. No batch of the
// other worker may end during the first pause.
TEST(BackfillWorkers, WorkersYieldAsOneSessionTakingTurns) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  Events events;
  Options options = CalmOptions(2, events);
  std::atomic<int> probes{0};
  options.probe = [&probes] {
    ++probes;
    return Result<PressureSample>(PressureSample{.clients_working = 3});
  };
  options.nice_ratio = 1.0;
  options.batch_duration = [] { return std::chrono::duration<double>(0.04); };
  std::mutex mu;
  std::vector<milliseconds> sleeps;
  long long batches_during_first_pause = -1;
  options.sleep = [&](milliseconds ms) {
    bool first = false;
    {
      std::lock_guard lock(mu);
      sleeps.push_back(ms);
      first = sleeps.size() == 1;
    }
    if (!first) return;
    // Once both workers have probed before their first batch, the other
    // one needs only the turn for its batch: none may end while this pause
    // holds it. (Passing never depends on time; without the turn, the other
    // batch ends well within the bound and the test fails.)
    long long before = events.Count(EventKind::kProgress);
    (void)WaitFor([&] { return probes.load() >= 2; });
    (void)zs::testing::WaitUntil([&] { return events.Count(EventKind::kProgress) > before; },
                                 milliseconds(2000), milliseconds(10));
    batches_during_first_pause = events.Count(EventKind::kProgress) - before;
  };
  engine::Engine engine = Connect(url, options);
  Status status = engine.Start(SplitName());
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Ranges(admin).size(), 2u);
  EXPECT_EQ(batches_during_first_pause, 0) << "a worker's batch ran during another's pause";
  std::lock_guard lock(mu);
  ASSERT_FALSE(sleeps.empty());
  for (milliseconds ms : sleeps) EXPECT_EQ(ms, milliseconds(40)) << "1.0 x 40 ms";
  EXPECT_EQ(events.Count(EventKind::kYield), 1) << "said once for the table";
  std::string reason;
  for (const Event& e : events.All()) {
    if (e.kind == EventKind::kYield) reason = e.progress.yield_reason;
  }
  EXPECT_NE(reason.find("its 2 sessions taking turns"), std::string::npos) << reason;
  EXPECT_EQ(WrongRows(admin), 0);
}

// The real probe, from the table's own session, while two workers write:
// their sessions (active all the time) are the backfill's, not clients, so
// nothing yields. Then a client runs a statement through a whole backfill:
// the workers yield to it. The test watches the database from another one,
// so that its own sessions never count as clients.
TEST(BackfillWorkers, TheProbeYieldsToClientsButNotToTheWorkers) {
  pg::Connection watch = Open(zs::testing::FreshDatabaseUrl());
  for (bool client_working : {false, true}) {
    SCOPED_TRACE(client_working ? "a client working" : "no client");
    std::string url = zs::testing::FreshDatabaseUrl();
    std::string database = pg::QuoteLiteral(url.substr(url.rfind('/') + 1));
    {
      pg::Connection admin = Open(url);
      engine::test_util::CreateUsers(admin, 2000);
    }
    std::optional<pg::Connection> client;
    long long pid = 0;
    std::thread busy;
    if (client_working) {
      client.emplace(Open(url));
      pid = Int(*client, "SELECT pg_backend_pid()");
      busy = std::thread([&client] { (void)client->Run("SELECT pg_sleep(600)"); });
    }
    // Event-ordered: until the probe's view of the database is what this
    // case wants (the loading session gone or idle past the probe's second).
    bool ready = WaitFor([&] {
      return Int(watch, fmt::format("SELECT count(*) FROM pg_stat_activity WHERE datname = {} AND "
                                    "backend_type = 'client backend' AND (state = 'active' OR "
                                    "state_change > now() - interval '1.2 seconds')",
                                    database)) == (client_working ? 1 : 0);
    });
    if (!ready && client_working) {
      MustRun(watch, fmt::format("SELECT pg_cancel_backend({})", pid));
      busy.join();
    }
    ASSERT_TRUE(ready);
    Events events;
    Options options = CalmOptions(2, events);
    options.probe = nullptr;  // the real one
    options.nice_ratio = 1.0;
    std::atomic<int> sleeps{0};
    options.sleep = [&sleeps](milliseconds) { ++sleeps; };
    std::string seen;
    options.on_event = [&, sink = events.Sink()](const Event& e) {
      sink(e);
      if (e.kind == EventKind::kYield && seen.empty()) {
        Result<pg::Rows> rows = watch.Exec(
            fmt::format("SELECT pid, state, backend_type, application_name, now() - state_change, "
                        "left(query, 60) FROM pg_stat_activity WHERE datname = {}",
                        database));
        for (int i = 0; rows.ok() && i < rows->size(); ++i) {
          for (int c = 0; c < 6; ++c) seen += rows->Get(i, c) + " | ";
          seen += "\n";
        }
      }
    };
    engine::Engine engine = Connect(url, options);
    Status status = engine.Start(SplitName());
    if (client_working) {
      MustRun(watch, fmt::format("SELECT pg_cancel_backend({})", pid));
      busy.join();
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    pg::Connection admin = Open(url);
    EXPECT_EQ(Ranges(admin).size(), 2u);
    EXPECT_EQ(WrongRows(admin), 0);
    if (client_working) {
      EXPECT_GT(sleeps.load(), 0);
      EXPECT_EQ(events.Count(EventKind::kYield), 1);
    } else {
      EXPECT_EQ(sleeps.load(), 0) << "yielded to its own workers: " << seen;
      EXPECT_EQ(events.Count(EventKind::kYield), 0);
    }
  }
}

// Parallelism when --backfill-workers is not given (auto_workers, here 2:
// kDefaultWorkers is 1 today) walks a small table in one session and says
// nothing about it; a table of auto_workers_min_rows rows or more in
// auto_workers ranges.
TEST(BackfillWorkers, TheDefaultSplitsOnlyATableWorthIt) {
  EXPECT_EQ(Options{}.auto_workers_min_rows, kAutoWorkersMinRows);
  for (long long rows : {2000LL, 12000LL}) {
    SCOPED_TRACE(fmt::format("{} rows", rows));
    std::string url = zs::testing::FreshDatabaseUrl();
    pg::Connection admin = Open(url);
    engine::test_util::CreateUsers(admin, static_cast<int>(rows));
    MustRun(admin, "ANALYZE users");
    Events events;
    Options options = CalmOptions(1, events);
    options.auto_workers = 2;
    options.auto_workers_min_rows = 10000;  // kAutoWorkersMinRows, scaled down
    engine::Engine engine = Connect(url, options);
    Status status = engine.Start(SplitName());
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(Ranges(admin).size(), rows < 10000 ? 0u : 2u);
    EXPECT_EQ(events.Notes(), "") << "the default says nothing when it does not split";
    EXPECT_EQ(WrongRows(admin), 0);
  }
}

TEST(BackfillWorkersSplit, RangesAreContiguousAndTheTotalIsTheirSum) {
  state::BackfillCursor base{.table = "users.name", .last_key_json = "[\"7\"]", .rows_done = 7};
  base.rows_estimate = 107;
  std::vector<state::BackfillCursor> ranges = MakeRanges(base, {{"40"}, {"80"}});
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].table, "users.name range 1/3");
  EXPECT_EQ(ranges[0].range_start_json, "[\"7\"]");
  EXPECT_EQ(ranges[0].last_key_json, "[\"7\"]");
  EXPECT_EQ(ranges[0].rows_done, 7);
  EXPECT_EQ(ranges[0].range_end_json, "[\"40\"]");
  EXPECT_EQ(ranges[1].range_start_json, "[\"40\"]");
  EXPECT_EQ(ranges[1].range_end_json, "[\"80\"]");
  EXPECT_EQ(ranges[2].range_start_json, "[\"80\"]");
  EXPECT_FALSE(ranges[2].range_end_json);
  EXPECT_EQ(ranges[1].rows_estimate, 100 / 3);

  std::vector<state::BackfillCursor> cursors = {{.table = "users.name", .rows_done = 0}};
  cursors.push_back({.table = "users.name range 1/2", .rows_done = 30, .finished = true});
  cursors.push_back({.table = "users.name range 2/2", .rows_done = 12});
  cursors.push_back({.table = "orders.note", .rows_done = 5});
  state::AggregateRanges(cursors);
  EXPECT_EQ(cursors[0].rows_done, 42);
  EXPECT_FALSE(cursors[0].finished);
  EXPECT_EQ(cursors[1].rows_done, 30);
  EXPECT_EQ(cursors[3].rows_done, 5);
  cursors[2].finished = true;
  cursors[0].rows_done = 0;
  state::AggregateRanges(cursors);
  EXPECT_TRUE(cursors[0].finished);
}

}  // namespace
}  // namespace zs::backfill
