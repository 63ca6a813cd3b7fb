// Stopping a running `zeroshift start` (issue 18) through the real binary:
// SIGINT and SIGTERM after the backfill has begun exit 130 / 143 with the
// cursor saved and "interrupted" recorded; `status` tells the live runner
// from the gone one; `rollback` beside a live runner names it; `backfill run`
// resumes, `rollback` undoes. Synchronised on the state rows, never on time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "testing/shared_cluster.h"
#include "testing/test_paths.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

constexpr int kRows = 2000;
const std::string kExample = std::string(zs::testing::SourceDir()) + "/examples/02_split_name.yaml";

class InterruptCli : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = zs::testing::FreshDatabaseUrl();
    admin_ = std::make_unique<pg::Connection>(Open(url_));
    MustRun(*admin_, "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)");
    MustRun(*admin_, fmt::format("INSERT INTO users (name) SELECT 'First' || i || ' Van Last' || "
                                 "i FROM generate_series(1, {}) i",
                                 kRows));
    ASSERT_EQ(Zs({"init"}).exit_code, 0);
    dir_ = fs::temp_directory_path() / fmt::format("zs_interrupt_{}_{}", getpid(), counter_++);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProcessRun Zs(std::vector<std::string> args) {
    args.push_back("--postgres-url");
    args.push_back(url_);
    return RunBinary(args);
  }

  // `zeroshift start` of the example in small fixed batches with a pause
  // between them, so that it is still at work when the test signals it.
  pid_t SpawnStart() { return Spawn({"start", kExample}); }

  // `zeroshift <command...>` with the same small batches, in the background.
  pid_t Spawn(std::vector<std::string> args) {
    for (const std::string& flag :
         {std::string("--postgres-url"), url_, std::string("--backfill-batch-size"),
          std::string("10"), std::string("--backfill-batch-delay"), std::string("200")}) {
      args.push_back(flag);
    }
    zs::testing::Spawned spawned =
        zs::testing::SpawnBinary(args, (dir_ / "out").string(), (dir_ / "err").string());
    EXPECT_EQ(spawned.error, 0);
    return spawned.pid;
  }

  long long Int(const std::string& sql) {
    Result<pg::Rows> rows = admin_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() && !rows->IsNull(0, 0) ? rows->GetInt(0, 0) : -1;
  }
  std::string Text(const std::string& sql) {
    Result<pg::Rows> rows = admin_->Exec(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() && !rows->empty() ? rows->Get(0, 0) : "<none>";
  }

  // Polls observable state; the deadline only turns a hang into a failure.
  template <typename Condition>
  static bool WaitFor(Condition condition) {
    return zs::testing::WaitUntil(condition, std::chrono::seconds(60));
  }

  // The first batch has committed its cursor: the backfill is under way.
  void WaitForBackfill() {
    ASSERT_TRUE(WaitFor([&] {
      return Int("SELECT coalesce(max(rows_done), 0) FROM zeroshift.backfill_cursors") > 0;
    }));
  }

  // The exit code of `pid`, or -1 when a signal ended it.
  static int Wait(pid_t pid) { return zs::testing::WaitExitCode(pid); }

  // The server ends a session shortly after its client closed it: until
  // then it still holds the lock. Waits until no other session is left.
  void WaitForSessionsToEnd() {
    ASSERT_TRUE(WaitFor([&] {
      return Int("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                 "pid <> pg_backend_pid()") == 0;
    }));
  }

  nlohmann::json Status() {
    ProcessRun run = Zs({"status"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    nlohmann::json json = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << run.out;
    return json;
  }

  static inline int counter_ = 0;
  std::string url_;
  std::unique_ptr<pg::Connection> admin_;
  fs::path dir_;
};

TEST_F(InterruptCli, SigintStopsBetweenBatchesAndBackfillRunResumes) {
  pid_t pid = SpawnStart();
  WaitForBackfill();

  // A live runner: status says so, and a rollback beside it names it.
  nlohmann::json live = Status();
  EXPECT_EQ(live["active"]["runner"]["alive"], true) << live.dump(2);
  EXPECT_EQ(live["active"]["backfill"][0]["state"], "running") << live.dump(2);
  ProcessRun refused = Zs({"rollback"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  std::string runner_pid = fmt::format("server pid {}", live["active"]["runner"]["pid"].get<int>());
  EXPECT_NE(refused.err.find(runner_pid), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("application_name \"zeroshift\""), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("Ctrl-C"), std::string::npos) << refused.err;

  ASSERT_EQ(kill(pid, SIGINT), 0);
  EXPECT_EQ(Wait(pid), 130);
  std::string err = zs::testing::ReadFile(dir_ / "err");
  EXPECT_NE(err.find("stopped by SIGINT after"), std::string::npos) << err;
  EXPECT_NE(err.find("`zeroshift backfill run`"), std::string::npos) << err;
  EXPECT_NE(err.find("`zeroshift rollback`"), std::string::npos) << err;

  // Recorded: the cursor names the signal; the step stays backfilling.
  EXPECT_EQ(Text("SELECT interrupted_by FROM zeroshift.backfill_cursors"), "SIGINT");
  EXPECT_EQ(Text("SELECT step FROM zeroshift.migrations WHERE NOT done"), "backfilling");
  long long stopped_at = Int("SELECT rows_done FROM zeroshift.backfill_cursors");
  EXPECT_GT(stopped_at, 0);
  EXPECT_LT(stopped_at, kRows);
  // The batch in flight committed with its cursor: the saved count is exact.
  EXPECT_EQ(Int("SELECT count(*) FROM users WHERE _zs_synced IS NOT NULL"), stopped_at);

  WaitForSessionsToEnd();
  nlohmann::json gone = Status();
  const nlohmann::json& active = gone["active"];
  EXPECT_EQ(active["runner"]["alive"], false) << gone.dump(2);
  EXPECT_EQ(active["backfill"][0]["state"], "interrupted") << gone.dump(2);
  EXPECT_EQ(active["backfill"][0]["interrupted_by"], "SIGINT") << gone.dump(2);
  EXPECT_NE(active["next"].get<std::string>().find("`zeroshift backfill run`"), std::string::npos)
      << gone.dump(2);

  ProcessRun resumed = Zs({"backfill", "run"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Int("SELECT count(*) FROM users WHERE last_name IS DISTINCT FROM "
                "substring(name from ' (.*)$')"),
            0);
  EXPECT_EQ(Int("SELECT rows_done FROM zeroshift.backfill_cursors"), kRows);
  EXPECT_EQ(Text("SELECT interrupted_by FROM zeroshift.backfill_cursors"), "");
  EXPECT_EQ(Text("SELECT step FROM zeroshift.migrations WHERE NOT done"), "active");
}

TEST_F(InterruptCli, SigtermStopsAndRollbackUndoes) {
  pid_t pid = SpawnStart();
  WaitForBackfill();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(Wait(pid), 143);
  EXPECT_EQ(Text("SELECT interrupted_by FROM zeroshift.backfill_cursors"), "SIGTERM");

  WaitForSessionsToEnd();
  EXPECT_EQ(Status()["active"]["backfill"][0]["state"], "interrupted");
  ProcessRun rollback = Zs({"rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Int("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND "
                "table_name = 'users'"),
            2);
  EXPECT_EQ(Status()["active"], nlohmann::json());
}

// `migrate` and `backfill run` stop the same way.
TEST_F(InterruptCli, MigrateAndBackfillRunStopOnSignalsToo) {
  fs::path migrations = dir_ / "migrations";
  fs::create_directories(migrations);
  fs::copy_file(kExample, migrations / "02_split_name.yaml");
  pid_t migrate = Spawn({"migrate", migrations.string()});
  WaitForBackfill();
  ASSERT_EQ(kill(migrate, SIGINT), 0);
  EXPECT_EQ(Wait(migrate), 130) << zs::testing::ReadFile(dir_ / "err");
  EXPECT_EQ(Text("SELECT interrupted_by FROM zeroshift.backfill_cursors"), "SIGINT");
  long long first_stop = Int("SELECT rows_done FROM zeroshift.backfill_cursors");
  WaitForSessionsToEnd();

  pid_t resume = Spawn({"backfill", "run"});
  ASSERT_TRUE(WaitFor(
      [&] { return Int("SELECT rows_done FROM zeroshift.backfill_cursors") > first_stop; }));
  ASSERT_EQ(kill(resume, SIGTERM), 0);
  EXPECT_EQ(Wait(resume), 143) << zs::testing::ReadFile(dir_ / "err");
  EXPECT_EQ(Text("SELECT interrupted_by FROM zeroshift.backfill_cursors"), "SIGTERM");
  EXPECT_LT(Int("SELECT rows_done FROM zeroshift.backfill_cursors"), kRows);
  WaitForSessionsToEnd();

  ASSERT_EQ(Zs({"backfill", "run"}).exit_code, 0);
  ProcessRun again = Zs({"migrate", migrations.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Text("SELECT step FROM zeroshift.migrations WHERE NOT done"), "active");
}

// A pause recorded for a runner that has gone is not "paused": nothing is
// running. Status says interrupted, and that a resume is needed first.
TEST_F(InterruptCli, PausedWithoutARunnerIsInterrupted) {
  pid_t pid = SpawnStart();
  WaitForBackfill();
  ASSERT_EQ(Zs({"backfill", "pause"}).exit_code, 0);
  EXPECT_EQ(Status()["active"]["backfill"][0]["state"], "paused");
  ASSERT_EQ(kill(pid, SIGINT), 0);
  EXPECT_EQ(Wait(pid), 130) << "a paused backfill leaves its wait on a signal";
  WaitForSessionsToEnd();
  nlohmann::json gone = Status();
  EXPECT_EQ(gone["active"]["backfill"][0]["state"], "interrupted") << gone.dump(2);
  EXPECT_NE(gone["active"]["next"].get<std::string>().find("`zeroshift backfill resume` first"),
            std::string::npos)
      << gone.dump(2);
}

// `validate` lists every start action it counts (it once said "5 actions"
// and listed the two of the expand step).
TEST_F(InterruptCli, ValidateListsEveryActionItCounts) {
  ProcessRun run = Zs({"validate", kExample});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  size_t at = run.out.find("  start: ");
  ASSERT_NE(at, std::string::npos) << run.out;
  int counted = std::stoi(run.out.substr(at + 9));
  std::istringstream lines(run.out.substr(run.out.find('\n', at) + 1));
  int listed = 0;
  for (std::string line; std::getline(lines, line) && line.starts_with("    ");) ++listed;
  EXPECT_EQ(listed, counted) << run.out;
  EXPECT_GT(counted, 2) << run.out;
  // The shipped example gives every row back: no round-trip warning.
  EXPECT_EQ(run.out.find("warning"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace zs::cli
