// The real zeroshift binary driving the engine: help, a missing file,
// init/start/status/complete, and a backfill resumed after kill -9.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "pg/connection.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using namespace zs::engine::test_util;  // NOLINT: Parse, Connect, CreateUsers, kSplitName
using zs::testing::MustRun;
using zs::testing::Open;

using zs::testing::ProcessRun;
using zs::testing::RunBinary;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------
// 6. The real binary.

TEST(EngineCliTest, HelpAndMissingFile) {
  ProcessRun help = RunBinary({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  EXPECT_NE(help.out.find("start"), std::string::npos) << help.out;

  ProcessRun missing = RunBinary({"start", "missing.yaml"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("missing.yaml"), std::string::npos) << missing.err;
  ASSERT_FALSE(missing.err.empty());
  EXPECT_EQ(missing.err.find('\n'), missing.err.size() - 1) << "not one line: " << missing.err;
}

TEST(EngineCliTest, InitStartStatusComplete) {
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, 1000);
  fs::path file = fs::temp_directory_path() /
                  fmt::format("zs_engine_cli_{}", static_cast<long>(getpid())) /
                  "02_split_name.yaml";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << kSplitName;

  ProcessRun init = RunBinary({"init", "--postgres-url", url});
  EXPECT_EQ(init.exit_code, 0) << init.err;
  ProcessRun start = RunBinary({"start", file.string(), "--postgres-url", url});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  ProcessRun status = RunBinary({"status", "--postgres-url", url});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"step\": \"active\""), std::string::npos) << status.out;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << status.out;
  EXPECT_EQ(json["active"]["name"], "02_split_name");
  EXPECT_EQ(json["active"]["version_schema"], kVersionSchema);

  ProcessRun complete = RunBinary({"complete", "--postgres-url", url});
  EXPECT_EQ(complete.exit_code, 0) << complete.err;
  ProcessRun done = RunBinary({"status", "--postgres-url", url});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  nlohmann::json after = nlohmann::json::parse(done.out, nullptr, false);
  ASSERT_FALSE(after.is_discarded()) << done.out;
  EXPECT_TRUE(after["active"].is_null()) << done.out;
  EXPECT_EQ(after["status"], "complete");
  fs::remove_all(file.parent_path());
}

// kill -9 of the real binary mid-backfill, then `zeroshift backfill` resumes:
// every row ends up split, and the saved row count matches the table exactly
// (the killed batch rolled back together with its cursor).
TEST(EngineCliTest, BackfillResumesAfterKillNine) {
  constexpr int kRows = 200000;
  std::string url = zs::testing::FreshDatabaseUrl();
  pg::Connection admin = Open(url);
  CreateUsers(admin, kRows);
  MustRun(admin, "ANALYZE users");
  fs::path dir =
      fs::temp_directory_path() / fmt::format("zs_engine_kill_{}", static_cast<long>(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "02_split_name.yaml";
  std::ofstream(file) << kSplitName;
  ASSERT_EQ(RunBinary({"init", "--postgres-url", url}).exit_code, 0);

  zs::testing::Spawned spawned = zs::testing::SpawnBinary(
      {"start", file.string(), "--postgres-url", url, "--backfill-max-rows", "2000"}, "/dev/null",
      "/dev/null");
  ASSERT_EQ(spawned.error, 0) << std::strerror(spawned.error);
  pid_t pid = spawned.pid;

  auto rows_done = [&admin] {
    Result<pg::Rows> rows = admin.Exec(
        "SELECT coalesce(min(rows_done), 0) FROM zeroshift.backfill_cursors "
        "WHERE to_regclass('zeroshift.backfill_cursors') IS NOT NULL");
    return rows.ok() && !rows->empty() ? rows->GetInt(0, 0) : 0LL;
  };
  zs::testing::WaitUntil([&] { return rows_done() >= 10000; }, std::chrono::seconds(60));
  long long before_kill = rows_done();
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(pid, &wait_status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the binary finished before it was killed";
  ASSERT_GE(before_kill, 10000);
  ASSERT_LT(before_kill, kRows) << "the backfill finished before the kill";

  // The server ends the killed client's session (and frees its lock) once it
  // notices the closed socket.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    Result<pg::Rows> others = admin.Exec(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
    ASSERT_TRUE(others.ok());
    if (others->GetInt(0, 0) == 0 || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ProcessRun status = RunBinary({"backfill", "status", "--postgres-url", url});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json interrupted = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_FALSE(interrupted.is_discarded()) << status.out;
  EXPECT_EQ(interrupted["backfill"][0]["state"], "interrupted") << status.out;

  ProcessRun resume = RunBinary({"backfill", "--json", "--postgres-url", url});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  std::vector<nlohmann::json> events;
  std::istringstream lines(resume.out);
  for (std::string line; std::getline(lines, line);) {
    events.push_back(nlohmann::json::parse(line, nullptr, false));
    ASSERT_FALSE(events.back().is_discarded()) << line;
  }
  ASSERT_GE(events.size(), 2u) << resume.out;
  EXPECT_EQ(events.front()["event"], "start");
  EXPECT_GE(events.front()["rows_done"].get<long long>(), before_kill) << "did not resume";
  EXPECT_EQ(events.back()["event"], "done");

  Result<pg::Rows> check = admin.Exec(
      "SELECT (SELECT count(*) FROM users WHERE first_name IS DISTINCT FROM "
      "split_part(name, ' ', 1) OR last_name IS DISTINCT FROM split_part(name, ' ', 2)), "
      "(SELECT min(rows_done) FROM zeroshift.backfill_cursors), "
      "(SELECT max(rows_done) FROM zeroshift.backfill_cursors), "
      "(SELECT step FROM zeroshift.migrations)");
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->GetInt(0, 0), 0);
  EXPECT_EQ(check->GetInt(0, 1), kRows);
  EXPECT_EQ(check->GetInt(0, 2), kRows);
  EXPECT_EQ(check->Get(0, 3), "active");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace zs::engine
