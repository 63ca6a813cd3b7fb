// `zeroshift fleet` through the real binary against four throwaway clusters:
// the canary completes first, a failing target stops the fleet and rolls back
// what it started, the journal and `fleet status` say so; a runner killed by
// SIGKILL mid-way resumes; --parallel 2 has two targets underway at once.
// Every wait polls observable state (the journal, pg_locks), never the clock.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "servers/temp_cluster.h"
#include "testing/test_support.h"

namespace zs::fleet {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;
using zs::testing::WaitUntil;

constexpr int kTargets = 4;
constexpr const char* kPassword = "Fleet-pw-7Q";
constexpr const char* kMigration = "01_add_nickname";
constexpr const char* kMigrationYaml = R"yaml(operations:
  - add_column:
      table: users
      up: lower(name)
      column: {name: nickname, type: text, nullable: true}
)yaml";
constexpr auto kHang = std::chrono::seconds(120);  // turns a hang into a failure

class FleetCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int i = 0; i < kTargets; ++i) {
      auto cluster = servers::TempCluster::Start();
      ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
      clusters_.push_back(std::move(cluster).value());
    }
  }
  static void TearDownTestSuite() { clusters_.clear(); }

  // Per test: a fresh database with a tiny `users` on each cluster, and the
  // targets file t1..t4 (the URLs carry a password; the clusters trust
  // loopback connections, so it must only never be printed).
  void SetUp() override {
    static int counter = 0;
    int test = counter++;
    dir_ = fs::temp_directory_path() / fmt::format("zs_fleet_{}_{}", getpid(), test);
    fs::create_directories(dir_);
    std::ofstream(dir_ / (std::string(kMigration) + ".yaml")) << kMigrationYaml;
    std::ofstream targets(dir_ / "targets.txt");
    targets << "# the fleet of this test\n";
    for (int i = 0; i < kTargets; ++i) {
      ASSERT_EQ(clusters_.size(), static_cast<size_t>(kTargets));
      auto url = clusters_[i]->CreateDatabase(fmt::format("fleet_{}_{}", test, i));
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      admin_.push_back(std::make_unique<pg::Connection>(zs::testing::Open(*url)));
      MustRun(*admin_.back(), "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
      MustRun(*admin_.back(),
              "INSERT INTO users (name) SELECT 'User ' || i FROM "
              "generate_series(1, 20) i");
      std::string with_password = *url;
      with_password.replace(with_password.find("postgres@"), 9,
                            std::string("postgres:") + kPassword + "@");
      urls_.push_back(with_password);
      targets << fmt::format("t{} {}\n", i + 1, with_password);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string File() const { return (dir_ / (std::string(kMigration) + ".yaml")).string(); }
  std::string Targets() const { return (dir_ / "targets.txt").string(); }
  std::string JournalPath() const { return Targets() + "." + kMigration + ".fleet-journal.json"; }

  // `zeroshift fleet <command> FILE --targets TARGETS <extra>`, with lock
  // waits that outlast a test's held lock instead of failing the target.
  std::vector<std::string> Args(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "fleet", command,          File(), "--targets",         Targets(), "--lock-timeout",
        "200",   "--lock-retries", "1000", "--retry-max-delay", "50"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  ProcessRun Fleet(const std::string& command, std::vector<std::string> extra = {}) {
    ProcessRun run = RunBinary(Args(command, std::move(extra)));
    EXPECT_EQ(run.out.find(kPassword), std::string::npos) << run.out;
    EXPECT_EQ(run.err.find(kPassword), std::string::npos) << run.err;
    return run;
  }

  // The journal's state of each target by name ("" when there is no journal yet).
  std::map<std::string, nlohmann::json> Journal() const {
    std::map<std::string, nlohmann::json> entries;
    std::ifstream in(JournalPath());
    if (!in) return entries;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return entries;
    for (const auto& entry : j["targets"]) entries[entry["target"]] = entry;
    return entries;
  }
  std::string JournalState(const std::string& target) const {
    auto entries = Journal();
    return entries.contains(target) ? entries[target]["state"].get<std::string>() : "";
  }

  std::string Text(int target, const std::string& sql) {
    Result<pg::Rows> rows = admin_[target]->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() && !rows->IsNull(0, 0) ? rows->Get(0, 0) : "<none>";
  }
  // The migration's row in target i's own state table: "done", its step, or "<none>".
  std::string OwnStep(int target) {
    if (Text(target, "SELECT to_regclass('zeroshift.migrations') IS NOT NULL") != "t") {
      return "<no state>";
    }
    return Text(target, fmt::format("SELECT CASE WHEN done THEN 'done' ELSE step END FROM "
                                    "zeroshift.migrations WHERE name = '{}'",
                                    kMigration));
  }
  bool HasColumn(int target, const std::string& column) {
    return Text(target, fmt::format("SELECT count(*) FROM information_schema.columns WHERE "
                                    "table_schema = 'public' AND table_name = 'users' AND "
                                    "column_name = '{}'",
                                    column)) == "1";
  }
  // Someone waits for a lock on target i's users: the fleet's DDL, blocked.
  bool LockWaiter(int target) {
    return Text(target,
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                "'public.users'::regclass") != "0";
  }
  // Holds ACCESS SHARE on target i's users until the returned connection
  // commits: the fleet's ALTER TABLE there waits (and retries) meanwhile.
  std::unique_ptr<pg::Connection> HoldUsers(int target) {
    auto conn = std::make_unique<pg::Connection>(zs::testing::Open(urls_[target]));
    MustRun(*conn, "BEGIN");
    MustRun(*conn, "LOCK TABLE users IN ACCESS SHARE MODE");
    return conn;
  }
  // Until the only session on target i's database is the test's own.
  bool Alone(int target) {
    return Text(target,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                "pid <> pg_backend_pid()") == "0";
  }

  static inline std::vector<std::unique_ptr<servers::TempCluster>> clusters_;
  fs::path dir_;
  std::vector<std::unique_ptr<pg::Connection>> admin_;
  std::vector<std::string> urls_;
};

TEST_F(FleetCli, CanaryCompletesThenAFailureStopsTheFleetAndRollsBackWhatItStarted) {
  // t3 already has the column the migration adds: its start is refused.
  MustRun(*admin_[2], "ALTER TABLE users ADD COLUMN nickname text");

  ProcessRun start = Fleet("start", {"--canary", "first"});
  EXPECT_NE(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("fleet start stopped at t3"), std::string::npos) << start.err;
  EXPECT_NE(start.err.find("rolled back: t2"), std::string::npos) << start.err;

  // The canary completed and stays so; t2, started by this run, was rolled
  // back; t4 was never begun (not even initialised).
  EXPECT_EQ(OwnStep(0), "done");
  EXPECT_TRUE(HasColumn(0, "nickname"));
  EXPECT_EQ(OwnStep(1), "<none>");
  EXPECT_EQ(Text(1,
                 "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                 "'users' AND column_name LIKE '%nickname%'"),
            "0");
  EXPECT_EQ(OwnStep(2), "<none>");
  EXPECT_EQ(OwnStep(3), "<no state>");

  auto journal = Journal();
  EXPECT_EQ(journal["t1"]["state"], "completed");
  EXPECT_EQ(journal["t1"]["canary"], true);
  EXPECT_EQ(journal["t2"]["state"], "rolled_back");
  EXPECT_EQ(journal["t2"]["started_by_fleet"], true);
  EXPECT_EQ(journal["t3"]["state"], "failed");
  EXPECT_NE(journal["t3"]["error"].get<std::string>().find("nickname"), std::string::npos);
  EXPECT_EQ(journal["t4"]["state"], "pending");
  EXPECT_EQ(fs::path(JournalPath()).parent_path(), dir_);

  // status: the journal beside each target's own state, as JSON and a table.
  ProcessRun json = Fleet("status", {"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json status = nlohmann::json::parse(json.out);
  std::vector<std::pair<std::string, std::string>> expected = {{"completed", "completed"},
                                                               {"rolled_back", "not started"},
                                                               {"failed", "not started"},
                                                               {"pending", "not initialized"}};
  ASSERT_EQ(status["targets"].size(), 4u);
  for (int i = 0; i < kTargets; ++i) {
    const nlohmann::json& t = status["targets"][i];
    EXPECT_EQ(t["name"], fmt::format("t{}", i + 1));
    EXPECT_EQ(t["journal"]["state"], expected[i].first) << t.dump();
    EXPECT_EQ(t["state"], expected[i].second) << t.dump();
    EXPECT_NE(t["url"].get<std::string>().find("***"), std::string::npos) << t.dump();
  }
  ProcessRun table = Fleet("status");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("TARGET"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("completed (canary)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("failed"), std::string::npos) << table.out;

  // Fixed, the same command finishes: the canary is skipped, the rest start;
  // then complete completes them all.
  MustRun(*admin_[2], "ALTER TABLE users DROP COLUMN nickname");
  ProcessRun again = Fleet("start", {"--canary", "first"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("t1: completed before; skipped"), std::string::npos) << again.err;
  for (int i = 1; i < kTargets; ++i) EXPECT_EQ(OwnStep(i), "active") << i;
  ProcessRun complete = Fleet("complete", {"--parallel", "2"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  for (int i = 0; i < kTargets; ++i) {
    EXPECT_EQ(OwnStep(i), "done") << i;
    EXPECT_TRUE(HasColumn(i, "nickname")) << i;
    EXPECT_EQ(JournalState(fmt::format("t{}", i + 1)), "completed");
  }
}

TEST_F(FleetCli, CompleteRefusesBeforeTouchingAnyWhenOneIsNotStarted) {
  ProcessRun start = Fleet("start", {"--canary", "t2"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(OwnStep(1), "done");  // the canary, by name
  // Someone rolls t4 back by hand: complete must not complete the others.
  ProcessRun rollback = RunBinary({"rollback", "--postgres-url", urls_[3]});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  ProcessRun complete = Fleet("complete");
  EXPECT_NE(complete.exit_code, 0);
  EXPECT_NE(complete.err.find("t4 (not started)"), std::string::npos) << complete.err;
  EXPECT_EQ(OwnStep(0), "active");
  EXPECT_EQ(OwnStep(2), "active");

  // fleet rollback: the active ones go back, the completed canary stays.
  ProcessRun back = Fleet("rollback");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.err.find("t2: completed; a completed migration is not rolled back"),
            std::string::npos)
      << back.err;
  EXPECT_EQ(OwnStep(0), "<none>");
  EXPECT_EQ(OwnStep(1), "done");
  EXPECT_EQ(OwnStep(2), "<none>");
  EXPECT_EQ(JournalState("t1"), "rolled_back");
  EXPECT_EQ(JournalState("t2"), "completed");
}

TEST_F(FleetCli, ResumesAfterTheRunnerIsKilledMidWay) {
  // t3's ALTER waits on the test's lock: the runner is surely mid-way there.
  auto hold = HoldUsers(2);
  zs::testing::Spawned runner = zs::testing::SpawnBinary(
      Args("start", {"--canary", "first"}), (dir_ / "out").string(), (dir_ / "err").string());
  ASSERT_EQ(runner.error, 0);
  ASSERT_TRUE(WaitUntil(
      [&] { return JournalState("t3") == "starting" && OwnStep(2) == "starting" && LockWaiter(2); },
      kHang))
      << zs::testing::ReadFile(dir_ / "err");
  ASSERT_EQ(kill(runner.pid, SIGKILL), 0);
  EXPECT_EQ(zs::testing::WaitExitCode(runner.pid), -1);  // died by the signal

  auto journal = Journal();
  EXPECT_EQ(journal["t1"]["state"], "completed");
  EXPECT_EQ(journal["t2"]["state"], "started");
  EXPECT_EQ(journal["t3"]["state"], "starting");
  EXPECT_EQ(journal["t4"]["state"], "pending");
  ProcessRun status = Fleet("status", {"--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["targets"][2]["state"], "starting");

  // The killed runner's sessions go once its lock wait ends.
  hold.reset();
  ASSERT_TRUE(WaitUntil([&] { return Alone(2); }, kHang));
  ProcessRun resumed = Fleet("start", {"--canary", "first"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("t1: completed before; skipped"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("t3: resuming start"), std::string::npos) << resumed.err;
  EXPECT_EQ(OwnStep(0), "done");
  for (int i = 1; i < kTargets; ++i) EXPECT_EQ(OwnStep(i), "active") << i;
  for (const char* t : {"t2", "t3", "t4"}) EXPECT_EQ(JournalState(t), "started") << t;
}

TEST_F(FleetCli, ParallelTwoHasTwoTargetsUnderwayAtOnceAndNoMore) {
  auto hold1 = HoldUsers(0);
  auto hold2 = HoldUsers(1);
  zs::testing::Spawned runner = zs::testing::SpawnBinary(
      Args("start", {"--parallel", "2"}), (dir_ / "out").string(), (dir_ / "err").string());
  ASSERT_EQ(runner.error, 0);
  // Both blocked in their ALTER at the same moment: two at once. With one
  // worker, t2 would never begin while t1 waits.
  bool both = WaitUntil([&] { return LockWaiter(0) && LockWaiter(1); }, kHang);
  EXPECT_TRUE(both) << zs::testing::ReadFile(dir_ / "err");
  if (both) {
    EXPECT_EQ(JournalState("t1"), "starting");
    EXPECT_EQ(JournalState("t2"), "starting");
    // Both workers are busy: no third target has begun.
    EXPECT_EQ(JournalState("t3"), "pending");
    EXPECT_EQ(JournalState("t4"), "pending");
  }
  hold1.reset();
  hold2.reset();
  EXPECT_EQ(zs::testing::WaitExitCode(runner.pid), 0) << zs::testing::ReadFile(dir_ / "err");
  for (int i = 0; i < kTargets; ++i) EXPECT_EQ(OwnStep(i), "active") << i;
  std::string err = zs::testing::ReadFile(dir_ / "err");
  EXPECT_EQ(err.find(kPassword), std::string::npos) << err;
}

TEST_F(FleetCli, TargetsFromAQueryNeedAJournalPath) {
  MustRun(*admin_[0], "CREATE TABLE fleet_targets (name text, url text)");
  for (int i = 0; i < kTargets; ++i) {
    MustRun(*admin_[0],
            fmt::format("INSERT INTO fleet_targets VALUES ('q{}', '{}')", i + 1, urls_[i]));
  }
  std::vector<std::string> query = {
      "fleet", "start", File(), "--targets-query", urls_[0], "SELECT name, url FROM fleet_targets"};
  ProcessRun refused = RunBinary(query);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("--targets-query needs --journal"), std::string::npos) << refused.err;
  std::string journal = (dir_ / "q.json").string();
  query.insert(query.end(), {"--journal", journal, "--parallel", "4"});
  ProcessRun run = RunBinary(query);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find(kPassword), std::string::npos) << run.err;
  for (int i = 0; i < kTargets; ++i) EXPECT_EQ(OwnStep(i), "active") << i;
  EXPECT_NE(zs::testing::ReadFile(journal).find("\"q4\""), std::string::npos);
}

TEST_F(FleetCli, AnUnreachableTargetFailsTheFleetWithoutShowingItsPassword) {
  // Port 1 on loopback: nothing listens there; t1 is a real one.
  std::ofstream(Targets()) << "t1 " << urls_[0] << "\n"
                           << "gone postgresql://postgres:" << kPassword << "@127.0.0.1:1/db\n";
  ProcessRun start = Fleet("start", {"--canary", "gone"});
  EXPECT_NE(start.exit_code, 0);
  EXPECT_NE(start.err.find("fleet start stopped at gone"), std::string::npos) << start.err;
  EXPECT_EQ(OwnStep(0), "<no state>");  // the canary failed: nothing else began
  EXPECT_EQ(JournalState("gone"), "failed");
  EXPECT_EQ(JournalState("t1"), "pending");
  ProcessRun status = Fleet("status");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("unreachable"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("postgresql://postgres:***@127.0.0.1:1/db"), std::string::npos)
      << status.out;
}

TEST_F(FleetCli, CtrlCStopsTheFleetWithoutRollingBack) {
  auto hold = HoldUsers(1);
  zs::testing::Spawned runner =
      zs::testing::SpawnBinary(Args("start"), (dir_ / "out").string(), (dir_ / "err").string());
  ASSERT_EQ(runner.error, 0);
  ASSERT_TRUE(WaitUntil([&] { return JournalState("t2") == "starting" && LockWaiter(1); }, kHang))
      << zs::testing::ReadFile(dir_ / "err");
  ASSERT_EQ(kill(runner.pid, SIGINT), 0);
  hold.reset();
  EXPECT_EQ(zs::testing::WaitExitCode(runner.pid), 130) << zs::testing::ReadFile(dir_ / "err");
  std::string err = zs::testing::ReadFile(dir_ / "err");
  EXPECT_NE(err.find("nothing was rolled back"), std::string::npos) << err;
  // t1 stays started, nothing new began, and the same command resumes.
  EXPECT_EQ(OwnStep(0), "active");
  EXPECT_EQ(JournalState("t1"), "started");
  EXPECT_EQ(JournalState("t3"), "pending");
  EXPECT_EQ(JournalState("t4"), "pending");
  ASSERT_TRUE(WaitUntil([&] { return Alone(1); }, kHang));
  ProcessRun resumed = Fleet("start");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  for (int i = 0; i < kTargets; ++i) EXPECT_EQ(OwnStep(i), "active") << i;
}

// Every target's step and backfill lines come out prefixed by its name, and
// `fleet status` shows each target's step and backfill progress.
TEST_F(FleetCli, StartPrintsEachTargetsProgressAndStatusShowsIt) {
  ProcessRun start = Fleet("start", {"--parallel", "2"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  for (int i = 1; i <= kTargets; ++i) {
    std::string prefix = fmt::format("[t{}] ", i);
    EXPECT_NE(start.err.find(prefix + "starting \"" + kMigration + "\""), std::string::npos)
        << prefix << start.err;
    EXPECT_NE(start.err.find(prefix + "  backfill: "), std::string::npos) << prefix << start.err;
    EXPECT_NE(start.err.find(prefix + "users: starting"), std::string::npos) << prefix << start.err;
    EXPECT_NE(start.err.find(prefix + "users: done, 20 rows"), std::string::npos)
        << prefix << start.err;
  }
  ProcessRun json = Fleet("status", {"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json status = nlohmann::json::parse(json.out);
  ASSERT_EQ(status["targets"].size(), static_cast<size_t>(kTargets)) << json.out;
  for (const auto& target : status["targets"]) {
    EXPECT_EQ(target["step"], "active") << target.dump();
    ASSERT_EQ(target["backfill"].size(), 1u) << target.dump();
    EXPECT_EQ(target["backfill"][0]["target"], "users.nickname") << target.dump();
    EXPECT_EQ(target["backfill"][0]["rows_done"], 20) << target.dump();
    EXPECT_EQ(target["backfill"][0]["state"], "finished") << target.dump();
  }
  ProcessRun table = Fleet("status");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("BACKFILL"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("users.nickname 20/20 rows (100.0%, finished)"), std::string::npos)
      << table.out;
  // Completed: no migration active, so no step and no backfill.
  ASSERT_EQ(Fleet("complete").exit_code, 0);
  nlohmann::json after = nlohmann::json::parse(Fleet("status", {"--json"}).out);
  EXPECT_TRUE(after["targets"][0]["step"].is_null()) << after.dump();
  EXPECT_TRUE(after["targets"][0]["backfill"].empty()) << after.dump();
}

// The global flags reach every target through the real binary: --schema
// migrates each target's `tenant.users` (public.users stays as it was).
TEST_F(FleetCli, TheSchemaFlagReachesEveryTarget) {
  for (int i = 0; i < kTargets; ++i) {
    MustRun(*admin_[i],
            "CREATE SCHEMA tenant; CREATE TABLE tenant.users (id bigserial PRIMARY KEY, name text "
            "NOT NULL); INSERT INTO tenant.users (name) VALUES ('Ada Lovelace')");
  }
  ProcessRun start = Fleet("start", {"--schema", "tenant", "--parallel", "2"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  for (int i = 0; i < kTargets; ++i) {
    EXPECT_EQ(Text(i,
                   "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                   "'tenant' AND table_name = 'users' AND column_name LIKE '%nickname%'"),
              "1")
        << i;
    EXPECT_FALSE(HasColumn(i, "nickname")) << i;
    EXPECT_EQ(Text(i,
                   "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                   "'public' AND table_name = 'users' AND column_name LIKE '%nickname%'"),
              "0")
        << i;
  }
}

}  // namespace
}  // namespace zs::fleet
