// The CLI commands issue 17 lists that mariadb_engine_test.cc does not run,
// through the built binary on a real MariaDB (testing/shared_mariadb.h):
// `backfill pause`, `backfill tune` and `backfill resume` steering a backfill
// that runs in another process, `verify` of the split, `migrate DIR` with
// some migrations already applied, and `validate FILE`. Each asserts what the
// command prints and what it does to the database. The running backfill is
// held by an open transaction (--backfill-long-xact wait), not by time: every
// wait is for an event (a line of JSON progress, the process's exit).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"
#include "testing/test_paths.h"
#include "versions/mariadb_version_schema.h"

namespace zs::engine {
namespace {

using mariadb_test::MariadbSplit;
using zs::testing::ProcessRun;

// The JSON events of a progress file written so far (a torn last line is
// left for the next read).
std::vector<nlohmann::json> MariadbCliEvents(const std::string& path) {
  std::istringstream text(zs::testing::ReadFile(path));
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(text, line);) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("event")) out.push_back(std::move(parsed));
  }
  return out;
}

// Waits until `path` holds an event of `kind` (the deadline only turns a
// hang into a failure).
bool MariadbCliWaitForEvent(const std::string& path, const std::string& kind) {
  return zs::testing::WaitUntil(
      [&] {
        for (const auto& event : MariadbCliEvents(path)) {
          if (event.value("event", "") == kind) return true;
        }
        return false;
      },
      std::chrono::seconds(60));
}

// A zeroshift started in the background; killed at scope exit if a failed
// assertion left it running.
class MariadbCliBackground {
 public:
  MariadbCliBackground(const MariadbSplit& split, std::vector<std::string> args,
                       const std::string& out) {
    args.insert(args.begin(), {"--url", split.url()});
    zs::testing::Spawned spawned = zs::testing::SpawnBinary(args, out, out + ".err");
    EXPECT_EQ(spawned.error, 0);
    pid_ = spawned.error == 0 ? spawned.pid : -1;
  }
  ~MariadbCliBackground() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    zs::testing::WaitExitCode(pid_);
  }
  MariadbCliBackground(const MariadbCliBackground&) = delete;
  MariadbCliBackground& operator=(const MariadbCliBackground&) = delete;

  int Wait() {
    int code = zs::testing::WaitExitCode(pid_);
    pid_ = -1;
    return code;
  }

 private:
  pid_t pid_ = -1;
};

// What `backfill pause|resume|tune` prints when stdout is not a terminal.
nlohmann::json MariadbCliControl(bool paused, const nlohmann::json& batch_size) {
  return {{"paused", paused},
          {"batch_size", batch_size},
          {"target_ms", nullptr},
          {"delay_ms", nullptr}};
}

TEST(MariadbCliCommands, BackfillPauseTuneAndResumeSteerTheRunningBackfill) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  // An open transaction on another table (it leaves `users` free for start's
  // DDL): with --backfill-long-xact wait the backfill runs no batch until it
  // ends, polling its control row meanwhile.
  split.Run("CREATE TABLE gate (id int PRIMARY KEY)");
  mysql::Connection holder = split.Connect();
  ASSERT_TRUE(holder.Run("BEGIN").ok());
  ASSERT_TRUE(holder.Run("INSERT INTO gate VALUES (1)").ok());

  std::string out = split.WriteFile("start.out", "");
  MariadbCliBackground start(split,
                             {"start", split.file(), "--json", "--quiet", "--backfill-max-xact-age",
                              "1", "--backfill-long-xact", "wait"},
                             out);
  ASSERT_TRUE(MariadbCliWaitForEvent(out, "throttle")) << zs::testing::ReadFile(out + ".err");

  ProcessRun pause = split.Zeroshift({"backfill", "pause"});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_EQ(nlohmann::json::parse(pause.out), MariadbCliControl(true, nullptr)) << pause.out;
  // The backfill reads the pause before its next batch and says so.
  ASSERT_TRUE(MariadbCliWaitForEvent(out, "pause")) << zs::testing::ReadFile(out + ".err");
  ASSERT_TRUE(holder.Run("ROLLBACK").ok());

  ProcessRun status = split.Zeroshift({"backfill", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json active = nlohmann::json::parse(status.out);
  EXPECT_EQ(active["name"], "02_split_name") << status.out;
  EXPECT_EQ(active["backfill_control"], MariadbCliControl(true, nullptr)) << status.out;

  // Fixed batches of one row: the four rows take four batches where the
  // adaptive default takes one.
  ProcessRun tune = split.Zeroshift({"backfill", "tune", "--batch-size", "1"});
  ASSERT_EQ(tune.exit_code, 0) << tune.err;
  EXPECT_EQ(nlohmann::json::parse(tune.out), MariadbCliControl(true, 1)) << tune.out;
  // Paused: not a row is split yet.
  EXPECT_EQ(split.Query("SELECT COUNT(*) FROM users WHERE first_name IS NULL"),
            (std::vector<std::string>{"4"}));

  ProcessRun resume = split.Zeroshift({"backfill", "resume"});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_EQ(nlohmann::json::parse(resume.out), MariadbCliControl(false, 1)) << resume.out;
  // Waited for as an event first: a resume that did not reach the backfill
  // fails here instead of hanging in Wait.
  ASSERT_TRUE(MariadbCliWaitForEvent(out, "done")) << zs::testing::ReadFile(out);
  ASSERT_EQ(start.Wait(), 0) << zs::testing::ReadFile(out + ".err");

  // Every batch ran after the resume, one row at a time (the JSON progress
  // lines are rate-limited: `done` counts the batches).
  std::vector<std::string> kinds;
  nlohmann::json done;
  for (const auto& event : MariadbCliEvents(out)) {
    std::string kind = event.value("event", "");
    if (kinds.empty() || kinds.back() != kind) kinds.push_back(kind);
    if (kind == "throttle") {
      EXPECT_NE(event.value("reason", "").find(fmt::format("KILL {}", holder.ConnectionId())),
                std::string::npos)
          << event.dump();
    }
    // Paused, not a batch ran (a pause announced but not kept shows here
    // only when a batch got in before the resume).
    if (kind == "resume") {
      EXPECT_EQ(event.value("rows_done", -1), 0) << event.dump();
    }
    if (kind == "resume" || kind == "progress" || kind == "done") {
      EXPECT_EQ(event.value("batch_rows", -1), 1) << event.dump();
    }
    if (kind == "done") done = event;
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"start", "throttle", "pause", "resume", "progress", "done"}))
      << zs::testing::ReadFile(out);
  EXPECT_EQ(done.value("rows_done", -1), 4) << done.dump();
  EXPECT_GE(done.value("batches", -1), 4) << done.dump();
  EXPECT_EQ(
      split.Query("SELECT CONCAT(id, ':', first_name, '|', last_name) FROM users ORDER BY id"),
      (std::vector<std::string>{"1:Ada|Lovelace", "2:Donald|Ervin", "3:Barbara|Liskov",
                                "4:Edsger|Dijkstra"}));
}

// verify reads every row back against `up` and `down`: clean after the
// backfill; a write that bypassed the dual write (the backfill's own
// session variable) is named by its key, and nothing is changed.
TEST(MariadbCliCommands, VerifyOfTheSplitIsCleanThenNamesARowWrittenPastTheTriggers) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  ASSERT_EQ(split.Zeroshift({"start", split.file()}).exit_code, 0);
  ProcessRun clean = split.Zeroshift({"verify"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err << clean.out;
  EXPECT_NE(clean.out.find("verify \"02_split_name\" (step active)\n"), std::string::npos)
      << clean.out;
  EXPECT_NE(clean.out.find(split.database() + ".users ("), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("4 rows checked"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("clean: every row is as a write through the triggers"),
            std::string::npos)
      << clean.out;

  mysql::Connection bypass = split.Connect();
  ASSERT_TRUE(bypass.Run("SET @zeroshift_backfill = 1").ok());
  ASSERT_TRUE(bypass.Run("UPDATE users SET first_name = 'Bogus' WHERE id = 3").ok());
  std::string before = split
                           .Query(
                               "SELECT GROUP_CONCAT(CONCAT_WS('|', id, name, first_name, "
                               "last_name) ORDER BY id) FROM users")
                           .front();
  ProcessRun dirty = split.Zeroshift({"verify", "--json"});
  EXPECT_EQ(dirty.exit_code, 1) << dirty.err;
  EXPECT_NE(dirty.err.find("verify of \"02_split_name\" found 1 value"), std::string::npos)
      << dirty.err;
  nlohmann::json report = nlohmann::json::parse(dirty.out);
  EXPECT_EQ(report["mismatches"], 1) << dirty.out;
  ASSERT_EQ(report["tables"].size(), 1U) << dirty.out;
  EXPECT_EQ(report["tables"][0]["table"], "users") << dirty.out;
  for (const auto& check : report["tables"][0]["checks"]) {
    bool bypassed = check["column"] == "first_name";
    EXPECT_EQ(check["keys"], bypassed ? nlohmann::json::array({{"3"}}) : nlohmann::json::array())
        << check.dump();
  }
  // A query that reads, nothing else: the bypassed value stays.
  EXPECT_EQ(split
                .Query("SELECT GROUP_CONCAT(CONCAT_WS('|', id, name, first_name, last_name) "
                       "ORDER BY id) FROM users")
                .front(),
            before);
}

// The seed's split, then two more migrations, as a directory.
class MariadbCliMigrationDir {
 public:
  explicit MariadbCliMigrationDir(MariadbSplit& split) {
    dir_ = std::filesystem::path(split.file()).parent_path() / "migrations";
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "02_split_name.yaml") << mariadb_test::kMariadbSplitYaml;
    std::ofstream(dir_ / "03_add_email.yaml") << R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
)yaml";
    std::ofstream(dir_ / "04_add_nickname.yaml") << R"yaml(operations:
  - add_column:
      table: users
      up: first_name
      column: {name: nickname, type: text, nullable: true}
)yaml";
  }
  std::string path() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

TEST(MariadbCliCommands, MigrateDirAppliesOnlyThePendingMigrations) {
  MariadbSplit split;
  MariadbCliMigrationDir dir(split);
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  // 02 already applied, as a deploy before this one left it.
  ASSERT_EQ(split.Zeroshift({"start", split.file(), "--complete"}).exit_code, 0);

  ProcessRun migrate = split.Zeroshift({"migrate", dir.path()}, "", /*quiet=*/false);
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  std::string nickname =
      versions::MariadbVersionDatabaseName(split.database(), "04_add_nickname", "");
  EXPECT_NE(migrate.out.find("applied 03_add_email\n"), std::string::npos) << migrate.out;
  EXPECT_NE(migrate.out.find("started 04_add_nickname: active in version schema " + nickname +
                             "; `zeroshift complete` once old clients are gone\n"),
            std::string::npos)
      << migrate.out;
  EXPECT_EQ(migrate.out.find("02_split_name"), std::string::npos) << migrate.out;
  EXPECT_EQ(split.Columns(), (std::vector<std::string>{"id", "first_name", "last_name", "email",
                                                       "nickname", "_zs_synced"}));
  EXPECT_EQ(split.Query("SELECT GROUP_CONCAT(nickname ORDER BY id) FROM users"),
            (std::vector<std::string>{"Ada,Donald,Barbara,Edsger"}));
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["active"]["name"], "04_add_nickname") << status.out;
  EXPECT_EQ(json["migrations"], 3) << status.out;

  ProcessRun again = split.Zeroshift({"migrate", dir.path()}, "", /*quiet=*/false);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out,
            "04_add_nickname is active and nothing else is pending; `zeroshift complete` "
            "completes it once old clients are gone\n");
  ProcessRun complete = split.Zeroshift({"migrate", dir.path(), "--complete"}, "", false);
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  EXPECT_EQ(complete.out,
            "completed 04_add_nickname (it was active)\n"
            "database is up to date; no migrations to apply\n");
  EXPECT_EQ(split.Columns(),
            (std::vector<std::string>{"id", "first_name", "last_name", "email", "nickname"}));
  EXPECT_TRUE(split.Triggers().empty());
  EXPECT_EQ(split.VersionDatabases(), (std::vector<std::string>{nickname}));
}

// validate plans and rehearses without changing the database; an invalid
// file is refused naming the file, its line and the missing object.
TEST(MariadbCliCommands, ValidateFilePrintsWhatStartWouldDoAndChangesNothing) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init", "--no-baseline-version"}).exit_code, 0);
  std::string before = split.ShowCreateTable();
  ProcessRun ok = split.Zeroshift({"validate", split.file()}, "", /*quiet=*/false);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("ok: " + split.file() +
                             ": migration \"02_split_name\", 3 operations\n"
                             "  version schema: " +
                             split.version() + "\n",
                         0),
            0U)
      << ok.out;
  EXPECT_NE(ok.out.find("  backfill: users ("), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("`zeroshift plan " + split.file() + "` prints every statement"),
            std::string::npos)
      << ok.out;
  EXPECT_EQ(split.ShowCreateTable(), before);
  EXPECT_TRUE(split.Triggers().empty());
  EXPECT_TRUE(split.VersionDatabases().empty());
  ProcessRun status = split.Zeroshift({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["active"].is_null()) << status.out;

  std::string bad = split.WriteFile("05_bad.yaml", R"yaml(operations:
  - add_column:
      table: users
      column: {name: email, type: text, nullable: true}
  - drop_column:
      table: users
      column: nosuch
      down: "''"
)yaml");
  ProcessRun refused = split.Zeroshift({"validate", bad});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find(bad + ":5"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nosuch"), std::string::npos) << refused.err;
  EXPECT_EQ(split.ShowCreateTable(), before);
  EXPECT_TRUE(split.VersionDatabases().empty());
}

// The backfill commands name the URL's database (MariaDB's "schema"), not
// --schema's PostgreSQL default: on a terminal, and when nothing is active.
TEST(MariadbCliCommands, BackfillControlNamesTheUrlsDatabase) {
  MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  ProcessRun none = split.Zeroshift({"backfill", "status"});
  EXPECT_NE(none.exit_code, 0) << none.out;
  EXPECT_NE(none.err.find("no migration is active in schema \"" + split.database() + "\""),
            std::string::npos)
      << none.err;
  ASSERT_EQ(split.Zeroshift({"start", split.file()}).exit_code, 0);
  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "script (util-linux) is not installed: no terminal to test with";
  }
  std::string out = split.WriteFile("terminal.out", "");
  std::string command = fmt::format("{} backfill tune --delay 100 --url {}",
                                    zs::testing::ShellQuote(zs::testing::ZeroshiftBinary()),
                                    zs::testing::ShellQuote(split.url()));
  int status =
      std::system(fmt::format("script -qec {} /dev/null </dev/null >{} 2>&1",
                              zs::testing::ShellQuote(command), zs::testing::ShellQuote(out))
                      .c_str());
  EXPECT_EQ(status, 0);
  std::string text = zs::testing::ReadFile(out);
  EXPECT_NE(text.find("backfill control of schema \"" + split.database() +
                      "\": running; batch size as the command line set it, 100 ms apart."),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace zs::engine
