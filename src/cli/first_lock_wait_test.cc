// --first-lock-wait (RetryPolicy::first_lock_timeout from the command line):
// refused when not positive, not a duration or longer than --lock-timeout
// (usage errors, exit 2, before anything connects), and, when accepted, the
// lock wait of a DDL statement's first attempt, seen in the statement the
// server is running while a session holds the table.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;
using zs::testing::MustRun;
using zs::testing::Open;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

TEST(CliFirstLockWait, RefusedValuesAreUsageErrorsThatNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"--first-lock-wait", "0", "status"}, "0 ms is outside 1 ms .. 1 hour"},
           {{"--first-lock-wait", "soon", "status"}, "--first-lock-wait"},
           {{"--first-lock-wait", "20.5", "status"}, "--first-lock-wait"},
           // Longer than the default --lock-timeout (500 ms).
           {{"--first-lock-wait", "600", "status"}, "600 ms is longer than --lock-timeout 500 ms"},
           // Global flags may follow the command, and --lock-timeout may come last.
           {{"status", "--first-lock-wait", "1s", "--lock-timeout", "900"},
            "1000 ms is longer than --lock-timeout 900 ms"},
       }) {
    ProcessRun run = RunBinary(c.args);
    EXPECT_EQ(run.exit_code, 2) << fmt::format("{}", fmt::join(c.args, " ")) << run.err;
    EXPECT_NE(run.err.find("--first-lock-wait"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << run.err;
  }
  ProcessRun help = RunBinary({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--first-lock-wait DURATION"), std::string::npos) << help.out;
}

// `rollback` with a first wait far longer than the default 20 ms and one
// attempt only: while a session holds the table, the waiting DDL statement's
// transaction carries the flag's lock_timeout. With the default, the single 20 ms attempt
// would time out and `rollback` fail, and the wait would not be seen.
TEST(CliFirstLockWait, BoundsTheFirstAttemptOfEachDdlStatement) {
  std::string url = zs::testing::FreshDatabaseUrl();
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() / fmt::format("zs_flw_{}_{}", getpid(), counter++);
  fs::create_directories(dir);
  pg::Connection admin = Open(url);
  MustRun(admin, "CREATE TABLE products (id serial PRIMARY KEY, name text)");
  ProcessRun init = RunBinary({"init", "--postgres-url", url});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  std::ofstream(dir / "01_price.yaml")
      << "operations:\n  - add_column:\n      table: products\n"
         "      column: {name: price, type: int, nullable: true}\n";

  ProcessRun start = RunBinary({"start", (dir / "01_price.yaml").string(), "--postgres-url", url});
  ASSERT_EQ(start.exit_code, 0) << start.err;

  // `rollback` drops the column (start rehearses its steps first, with the whole
  // lock_timeout, so its own wait would be the rehearsal's).
  pg::Connection holder = Open(url);
  MustRun(holder, "BEGIN; LOCK TABLE products IN ACCESS SHARE MODE");
  zs::testing::Spawned rollback = zs::testing::SpawnBinary(
      {"rollback", "--postgres-url", url, "--first-lock-wait", "45s", "--lock-timeout", "60000",
       "--statement-timeout", "60000", "--lock-retries", "1"},
      (dir / "out").string(), (dir / "err").string());
  ASSERT_EQ(rollback.error, 0);
  std::string waiting;
  bool seen = zs::testing::WaitUntil(
      [&] {
        Result<pg::Rows> rows = admin.Exec(
            "SELECT coalesce(string_agg(query, ' | '), '') FROM pg_stat_activity WHERE "
            "wait_event_type = 'Lock' AND query LIKE '%SET LOCAL lock_timeout%products%'");
        waiting = rows.ok() ? rows->Get(0, 0) : rows.status().ToString();
        return rows.ok() && !waiting.empty();
      },
      std::chrono::seconds(40));
  MustRun(holder, "ROLLBACK");
  EXPECT_EQ(zs::testing::WaitExitCode(rollback.pid), 0) << zs::testing::ReadFile(dir / "err");
  ASSERT_TRUE(seen) << "no DDL statement on products waited for its lock; zeroshift said: "
                    << zs::testing::ReadFile(dir / "err");
  EXPECT_NE(waiting.find("SET LOCAL lock_timeout = '45000ms'"), std::string::npos) << waiting;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace zs::cli
