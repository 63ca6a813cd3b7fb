// N workers yielding as one session (yield_turn.h) against a real
// PostgreSQL: while clients work, the backfill's batches, pauses and probes
// follow one session's rhythm (probe, batch, pause, by one walker at a
// time); when the clients stop, the parked walkers run again. Event-ordered:
// every probe, batch edge and pause is logged in order from the walkers'
// threads; no test waits on the clock.
#include "backfill/yield_turn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "backfill/backfill.h"
#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::backfill {
namespace {

using std::chrono::milliseconds;
using zs::testing::Open;

// What the walkers did, in order, each entry with its thread.
class TurnLog {
 public:
  struct Entry {
    std::thread::id thread;
    std::string what;  // "probe", "end" (a batch ended), "pause"
  };
  void Add(std::string what) {
    std::lock_guard lock(mu_);
    entries_.push_back({std::this_thread::get_id(), std::move(what)});
  }
  std::vector<Entry> All() {
    std::lock_guard lock(mu_);
    return entries_;
  }
  long long BatchesOf(std::thread::id thread) {
    std::lock_guard lock(mu_);
    long long n = 0;
    for (const auto& e : entries_) n += e.what == "end" && e.thread == thread;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<Entry> entries_;
};

long long TurnWrongRows(pg::Connection& conn) {
  Result<pg::Rows> rows = conn.Exec(
      "SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM split_part(name, ' ', 1) "
      "OR last_name IS DISTINCT FROM split_part(name, ' ', 2)");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? rows->GetInt(0, 0) : -1;
}

// Two workers, adaptive, small batches; the probe says what `clients` says
// and every probe, batch end (the injected batch duration is read right
// after each batch, on its walker's thread) and pause goes to `log`.
Options TurnOptions(TurnLog& log, std::function<bool()> clients) {
  Options o{.batch_size = 40, .adaptive = true};
  o.min_batch_rows = 10;
  o.max_batch_rows = 40;
  o.workers = 2;
  o.pause_poll = milliseconds(20);
  o.nice_ratio = 1.0;
  o.batch_duration = [&log] {
    log.Add("end");
    return std::chrono::duration<double>(0.04);
  };
  o.probe = [&log, clients] {
    log.Add("probe");
    return Result<PressureSample>(PressureSample{.clients_working = clients() ? 3 : 0});
  };
  o.sleep = [&log](milliseconds) { log.Add("pause"); };
  return o;
}

Status TurnStart(const std::string& url, Options backfill) {
  engine::Options options;
  options.backfill = std::move(backfill);
  engine::Engine engine = engine::test_util::MustConnectAndInit(url, std::move(options));
  return engine.Start(engine::test_util::SplitName());
}

// Clients work through the whole backfill: from its first probe on, the two
// workers act as one session. Each batch (known by its end) comes after its
// own walker's probe with nothing of the other walker in between (no probe,
// no batch), and is followed by its pause (but a range's last batch, which
// has none) before anything else. The turn per batch of before (a mutex
// around each batch and its pause) broke the first rule: the waiting worker
// probed during the other's batch and ran its own the moment the pause ended.
TEST(YieldTurn, WhileClientsWorkTwoWorkersKeepOneSessionsRhythm) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  TurnLog log;
  Status status = TurnStart(url, TurnOptions(log, [] { return true; }));
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(TurnWrongRows(admin), 0);

  std::vector<TurnLog::Entry> all = log.All();
  std::map<std::thread::id, size_t> last_end;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].what == "end") last_end[all[i].thread] = i;
  }
  ASSERT_EQ(last_end.size(), 2u) << "two walkers, each ran batches";
  long long violations = 0;
  std::string first_violation;
  auto violate = [&](size_t i, const std::string& why) {
    if (violations++ == 0) first_violation = fmt::format("entry {} of {}: {}", i, all.size(), why);
  };
  std::set<std::thread::id> probed;
  std::vector<bool> first_probe(all.size(), false);
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].what == "probe") first_probe[i] = probed.insert(all[i].thread).second;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const TurnLog::Entry& e = all[i];
    if (e.what != "end") continue;
    // Back to this batch's probe: only this walker's entries (a walker's
    // first probe may meet the other's first batch: neither knew yet that
    // clients work).
    for (size_t j = i; j-- > 0;) {
      if (all[j].thread == e.thread) {
        if (all[j].what == "probe") break;
        continue;
      }
      if (!first_probe[j]) {
        violate(i,
                fmt::format("the other walker's {} (entry {}) during this batch", all[j].what, j));
        break;
      }
    }
    if (i == last_end[e.thread]) continue;
    if (i + 1 >= all.size() || all[i + 1].thread != e.thread || all[i + 1].what != "pause") {
      violate(i, "a batch not followed by its own pause");
    }
  }
  EXPECT_EQ(violations, 0) << first_violation;
}

// Clients stop part-way: the walker parked behind the turn runs again
// without waiting for the other's range to end. Ordered by the batches: the
// walker holding the turn, once the clients stopped, may not end another
// batch until the other walker has run one (with the turn still held, it
// never would: the test would fail on the wait's bound, not pass on time).
TEST(YieldTurn, WhenClientsStopTheParkedWorkersRunAgain) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  TurnLog log;
  std::atomic<bool> clients{true};
  std::mutex mu;
  std::optional<std::thread::id> holder;  // the first walker to run a batch
  bool other_ran = false;
  long long others_while_clients = 0;
  Options options = TurnOptions(log, [&clients] { return clients.load(); });
  options.batch_duration = [&] {
    log.Add("end");
    std::thread::id me = std::this_thread::get_id();
    {
      std::lock_guard lock(mu);
      if (!holder) holder = me;
      if (*holder != me && clients.load()) ++others_while_clients;
      if (*holder != me) return std::chrono::duration<double>(0.04);
    }
    if (clients.load()) {
      if (log.BatchesOf(me) == 3) clients = false;  // the holder's next probe sees none
      return std::chrono::duration<double>(0.04);
    }
    bool ran = zs::testing::WaitUntil(
        [&] {
          for (const auto& e : log.All()) {
            if (e.what == "end" && e.thread != me) return true;
          }
          return false;
        },
        milliseconds(30000), milliseconds(10));
    std::lock_guard lock(mu);
    other_ran = other_ran || ran;
    return std::chrono::duration<double>(0.04);
  };
  Status status = TurnStart(url, std::move(options));
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(TurnWrongRows(admin), 0);
  std::lock_guard lock(mu);
  EXPECT_TRUE(other_ran) << "the parked walker did not run when the clients stopped";
  EXPECT_EQ(others_while_clients, 0) << "while clients worked, only the turn's holder ran";
}

// Pause while one worker parks: the parked one still reads its control row,
// so the backfill counts as paused (the pause event, said once every worker
// has paused) and resumes. Ordered by events: the pause is set from the
// holder's second batch, the test waits for the pause event, then resumes.
TEST(YieldTurn, PauseAndResumeReachTheParkedWorker) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  engine::test_util::CreateUsers(admin, 2000);
  TurnLog log;
  std::mutex mu;
  std::vector<EventKind> kinds;
  Options options = TurnOptions(log, [] { return true; });
  options.on_event = [&](const Event& e) {
    std::lock_guard lock(mu);
    kinds.push_back(e.kind);
  };
  auto count = [&](EventKind kind) {
    std::lock_guard lock(mu);
    return std::count(kinds.begin(), kinds.end(), kind);
  };
  engine::Engine other = engine::test_util::MustConnectAndInit(url, engine::Options{});
  std::atomic<bool> pause_set{false};
  std::atomic<bool> pause_failed{false};
  options.batch_duration = [&] {
    log.Add("end");
    if (log.BatchesOf(std::this_thread::get_id()) == 2 && !pause_set.exchange(true)) {
      auto paused = other.ControlBackfill([](state::BackfillControl& c) { c.paused = true; });
      if (!paused.ok()) pause_failed = true;
    }
    return std::chrono::duration<double>(0.04);
  };
  Status result;
  std::thread runner([&] { result = TurnStart(url, std::move(options)); });
  bool paused = zs::testing::WaitUntil([&] { return count(EventKind::kPause) == 1; },
                                       milliseconds(30000), milliseconds(10));
  EXPECT_FALSE(pause_failed.load());
  EXPECT_TRUE(paused) << "the parked worker never paused: the pause event waits for every worker";
  auto resumed = other.ControlBackfill([](state::BackfillControl& c) { c.paused = false; });
  EXPECT_TRUE(resumed.ok()) << resumed.status().ToString();
  runner.join();
  ASSERT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(count(EventKind::kResume), 1);
  EXPECT_EQ(TurnWrongRows(admin), 0);
}

}  // namespace
}  // namespace zs::backfill
