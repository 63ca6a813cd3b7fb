// The backfill's replica-lag throttle on MariaDB against a real replica:
// a primary with its binary log and a second mariadbd replicating from it
// (servers/mariadb_server.h: CHANGE MASTER TO ... MASTER_USE_GTID), driven
// through the built binary with --replica-url. With replication running the
// backfill completes and the replica holds every row split right; with the
// replica's SQL thread stopped the backfill backs off naming the replica
// (its JSON progress and `backfill status`), and it speeds up again once the
// thread runs. Every wait is for an event (a line of progress, a GTID
// position reached), never for time.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/mariadb_engine_test_util.h"
#include "mysql/connection.h"
#include "servers/mariadb_server.h"
#include "testing/test_support.h"

namespace zs::engine {
namespace {

using mariadb_test::kMariadbSplitYaml;
using servers::MariadbServer;
using zs::testing::ProcessRun;

// Enough batches that the backfill is still at work when the test reacts to
// its first throttle event (the smallest batch is 100 rows).
constexpr int kReplicaRows = 10000;
// The longest sleep under pressure, so the stopped phase stays short.
constexpr char kReplicaMaxBackoff[] = "--backfill-max-backoff=200";

mysql::Connection MustOpenMariadb(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  if (!conn.ok()) throw std::runtime_error("connect: " + conn.status().ToString());
  return std::move(conn).value();
}

void MustRunMariadb(mysql::Connection& conn, const std::string& sql) {
  Status status = conn.Run(sql);
  if (!status.ok()) throw std::runtime_error(sql + ": " + status.ToString());
}

std::string QueryOne(mysql::Connection& conn, const std::string& sql) {
  Result<mysql::Rows> rows = conn.Exec(sql);
  if (!rows.ok()) throw std::runtime_error(sql + ": " + rows.status().ToString());
  return rows->IsNull(0, 0) ? "NULL" : rows->Get(0, 0);
}

// The JSON lines of a progress file written so far (a torn last line is
// left for the next read).
std::vector<nlohmann::json> JsonLines(const std::string& path) {
  std::istringstream text(zs::testing::ReadFile(path));
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(text, line);) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) out.push_back(std::move(parsed));
  }
  return out;
}

// A primary (binary log on), a replica of it, and the seed's `users` on the
// primary with kReplicaRows rows, already on the replica.
class ReplicaSetup {
 public:
  ReplicaSetup() {
    auto primary = MariadbServer::Start({.server_id = 1, .log_bin = true});
    if (!primary.ok()) throw std::runtime_error(primary.status().ToString());
    primary_ = std::move(*primary);
    auto replica = MariadbServer::Start({.server_id = 2});
    if (!replica.ok()) throw std::runtime_error(replica.status().ToString());
    replica_ = std::move(*replica);
    Status following = replica_->StartReplicaOf(*primary_);
    if (!following.ok()) throw std::runtime_error(following.ToString());
    auto url = primary_->CreateDatabase("app");
    if (!url.ok()) throw std::runtime_error(url.status().ToString());
    url_ = *url;
    mysql::Connection conn = Primary();
    MustRunMariadb(conn, "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
    MustRunMariadb(conn, fmt::format("INSERT INTO users (id, name) SELECT seq, CONCAT('First', "
                                     "seq, ' Last', seq) FROM seq_1_to_{}",
                                     kReplicaRows));
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("zs_mariadb_replica_{}_{}", static_cast<long>(getpid()), primary_->port());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "02_split_name.yaml").string();
    std::ofstream(file_) << kMariadbSplitYaml;
    CatchUp();
  }
  ~ReplicaSetup() { std::filesystem::remove_all(dir_); }

  mysql::Connection Primary() const { return MustOpenMariadb(url_); }
  mysql::Connection Replica() const { return MustOpenMariadb(replica_->Url("app")); }
  // What --replica-url takes, and the name the backfill gives it.
  std::string ReplicaUrl() const { return replica_->Url(); }
  std::string ReplicaName() const { return fmt::format("replica 127.0.0.1:{}", replica_->port()); }
  const std::string& file() const { return file_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void CatchUp() {
    Status caught_up = replica_->WaitForReplica(*primary_);
    if (!caught_up.ok()) throw std::runtime_error(caught_up.ToString());
  }

  std::vector<std::string> Args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--url", url_});
    return args;
  }
  ProcessRun Zeroshift(const std::vector<std::string>& args) const {
    return zs::testing::RunBinary(Args(args));
  }

  // On `conn`, the rows whose split is wrong (or missing) against `name`.
  static std::string BadSplits(mysql::Connection& conn) {
    return QueryOne(
        conn,
        "SELECT COUNT(*) FROM users WHERE NOT (first_name <=> SUBSTRING_INDEX(name, ' ', "
        "1)) OR NOT (last_name <=> SUBSTRING_INDEX(name, ' ', -1))");
  }

 private:
  std::unique_ptr<MariadbServer> primary_;
  std::unique_ptr<MariadbServer> replica_;
  std::string url_;
  std::filesystem::path dir_;
  std::string file_;
};

// Spawns the binary with `args`, its stdout (JSON progress) in `out`.
pid_t SpawnZeroshift(const ReplicaSetup& setup, const std::vector<std::string>& args,
                     const std::string& out) {
  zs::testing::Spawned spawned = zs::testing::SpawnBinary(setup.Args(args), out, out + ".err");
  EXPECT_EQ(spawned.error, 0);
  return spawned.pid;
}

// Waits for the first throttle event in `out` (the deadline only turns a
// hang into a failure); null when none came.
nlohmann::json WaitForThrottle(const std::string& out) {
  nlohmann::json found;
  zs::testing::WaitUntil(
      [&] {
        for (auto& line : JsonLines(out)) {
          if (line.value("event", "") == "throttle") {
            found = line;
            return true;
          }
          if (line.value("event", "") == "done") return true;  // too late: fail below
        }
        return false;
      },
      std::chrono::seconds(120));
  return found;
}

nlohmann::json LastEvent(const std::string& out, const std::string& kind) {
  nlohmann::json found;
  for (auto& line : JsonLines(out)) {
    if (line.value("event", "") == kind) found = line;
  }
  return found;
}

TEST(MariadbReplicaCli, BackfillWithReplicationRunningSplitsEveryRowOnTheReplica) {
  ReplicaSetup setup;
  ProcessRun init = setup.Zeroshift({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ProcessRun start = setup.Zeroshift(
      {"start", "--replica-url", setup.ReplicaUrl(), setup.file(), "--json", "--quiet"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(start.out.find("replication stopped"), std::string::npos) << start.out;
  EXPECT_NE(start.out.find("\"event\":\"done\""), std::string::npos) << start.out;

  setup.CatchUp();
  mysql::Connection replica = setup.Replica();
  EXPECT_EQ(QueryOne(replica, "SELECT COUNT(*) FROM users"), std::to_string(kReplicaRows));
  EXPECT_EQ(ReplicaSetup::BadSplits(replica), "0");
  EXPECT_EQ(QueryOne(replica, "SELECT CONCAT(first_name, '|', last_name) FROM users WHERE id = 77"),
            "First77|Last77");

  ProcessRun complete = setup.Zeroshift({"complete", "--quiet"});
  ASSERT_EQ(complete.exit_code, 0) << complete.err;
  setup.CatchUp();
  EXPECT_EQ(QueryOne(replica,
                     "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                     "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = "
                     "'users'"),
            "id,first_name,last_name");
  EXPECT_EQ(QueryOne(replica,
                     "SELECT COUNT(*) FROM users WHERE first_name <> CONCAT('First', id) OR "
                     "last_name <> CONCAT('Last', id) OR first_name IS NULL OR last_name IS NULL"),
            "0");
}

TEST(MariadbReplicaCli, StoppedReplicaSlowsTheBackfillByNameUntilItRunsAgain) {
  ReplicaSetup setup;
  ProcessRun init = setup.Zeroshift({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  mysql::Connection replica = setup.Replica();
  MustRunMariadb(replica, "STOP SLAVE SQL_THREAD");

  // start backs off at its first probe, naming the replica, and `backfill
  // status` (another process) says the same.
  std::string start_out = setup.Path("start.json");
  pid_t start = SpawnZeroshift(setup,
                               {"start", setup.file(), "--replica-url", setup.ReplicaUrl(),
                                "--json", "--quiet", kReplicaMaxBackoff},
                               start_out);
  nlohmann::json throttle = WaitForThrottle(start_out);
  ASSERT_TRUE(throttle.is_object())
      << zs::testing::ReadFile(start_out) << zs::testing::ReadFile(start_out + ".err");
  std::string reason = throttle.value("reason", "");
  EXPECT_NE(reason.find("replication stopped on " + setup.ReplicaName()), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("START REPLICA"), std::string::npos) << reason;
  ProcessRun status = setup.Zeroshift({"backfill", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json active = nlohmann::json::parse(status.out);
  ASSERT_EQ(active["backfill"].size(), 1u) << status.out;
  EXPECT_NE(active["backfill"][0].value("last_throttle_reason", "").find(setup.ReplicaName()),
            std::string::npos)
      << status.out;
  EXPECT_GE(active["backfill"][0].value("throttled_batches", 0), 1) << status.out;

  // Interrupted there, `zeroshift backfill` resumes it and backs off again.
  ASSERT_EQ(kill(start, SIGINT), 0);
  EXPECT_GT(zs::testing::WaitExitCode(start), 0) << zs::testing::ReadFile(start_out + ".err");
  std::string run_out = setup.Path("backfill.json");
  pid_t run = SpawnZeroshift(
      setup,
      {"backfill", "--replica-url", setup.ReplicaUrl(), "--json", "--quiet", kReplicaMaxBackoff},
      run_out);
  nlohmann::json again = WaitForThrottle(run_out);
  ASSERT_TRUE(again.is_object()) << zs::testing::ReadFile(run_out)
                                 << zs::testing::ReadFile(run_out + ".err");
  EXPECT_NE(again.value("reason", "").find(setup.ReplicaName()), std::string::npos) << again;

  // Replication runs again: the backfill stops backing off and finishes.
  MustRunMariadb(replica, "START SLAVE SQL_THREAD");
  ASSERT_EQ(zs::testing::WaitExitCode(run), 0) << zs::testing::ReadFile(run_out + ".err");
  nlohmann::json done = LastEvent(run_out, "done");
  ASSERT_TRUE(done.is_object()) << zs::testing::ReadFile(run_out);
  // Every batch after the throttle event was throttled unless the pressure
  // ended: some batches after it were not.
  long long batches_after = done.value("batches", 0LL) - again.value("batches", 0LL);
  long long throttled_after =
      done.value("throttled_batches", 0LL) - again.value("throttled_batches", 0LL);
  EXPECT_GE(batches_after, throttled_after + 2) << again << "\n" << done;

  setup.CatchUp();
  EXPECT_EQ(QueryOne(replica, "SELECT COUNT(*) FROM users"), std::to_string(kReplicaRows));
  EXPECT_EQ(ReplicaSetup::BadSplits(replica), "0");
  mysql::Connection primary = setup.Primary();
  EXPECT_EQ(ReplicaSetup::BadSplits(primary), "0");
}

// A replica URL of another database, or one that does not parse, is refused
// before anything connects (naming it without its password);
// an unreachable replica fails the backfill naming it, its cursor saved.
TEST(MariadbReplicaCli, ReplicaUrlMustBeAReachableMariadb) {
  mariadb_test::MariadbSplit split;
  ASSERT_EQ(split.Zeroshift({"init"}).exit_code, 0);
  ProcessRun postgres =
      split.Zeroshift({"start", split.file(), "--replica-url", "postgres://u:secret@h/db"});
  EXPECT_EQ(postgres.exit_code, 2) << postgres.err;
  EXPECT_NE(postgres.err.find("--replica-url: takes a MariaDB replica's URL"), std::string::npos)
      << postgres.err;
  EXPECT_EQ(postgres.err.find("secret"), std::string::npos) << postgres.err;

  ProcessRun malformed = split.Zeroshift(
      {"start", split.file(), "--replica-url", "mariadb://root:secret@127.0.0.1:1/a/b"});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.err;
  EXPECT_NE(malformed.err.find("--replica-url: mariadb://root:***@127.0.0.1:1/a/b: "),
            std::string::npos)
      << malformed.err;
  EXPECT_EQ(malformed.err.find("secret"), std::string::npos) << malformed.err;

  // Port 1 on loopback: nothing listens there.
  ProcessRun unreachable = split.Zeroshift(
      {"start", split.file(), "--replica-url", "mariadb://root:secret@127.0.0.1:1/"});
  EXPECT_NE(unreachable.exit_code, 0);
  EXPECT_NE(unreachable.err.find("probing the lag of replica 127.0.0.1:1"), std::string::npos)
      << unreachable.err;
  EXPECT_EQ(unreachable.err.find("secret"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace zs::engine
