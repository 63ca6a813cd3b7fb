// Passwords never reach the output: every command that connects is run
// through the real binary with a password in the URL (URL user info, URL
// query, keyword form, DATABASE_URL), against a port where nothing listens
// and against the real server, and neither stdout nor stderr may contain it.
// The fleet too: targets (from a file and from --targets-query) whose URLs
// hold passwords, and its journal file and status JSON besides the output.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "pg/connection.h"
#include "pg/session.h"
#include "testing/seed_migration.h"
#include "testing/shared_cluster.h"
#include "testing/test_support.h"

namespace zs::cli {
namespace {

namespace fs = std::filesystem;
using zs::testing::ProcessRun;
using zs::testing::RunBinary;

constexpr const char* kPassword = "Hunter2-s3cr3t-PW";

// A loopback port nothing listens on: bound once to learn a free one, then closed.
int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Every command that opens a connection, with the arguments it needs.
std::vector<std::vector<std::string>> ConnectingCommands(const std::string& migration_file) {
  return {{"init"},
          {"plan", migration_file},
          {"start", migration_file},
          {"complete"},
          {"rollback"},
          {"status"},
          {"latest"},
          {"verify"},
          {"doctor"},
          {"doctor", "--fix"},
          {"backfill"},
          {"backfill", "pause"},
          {"backfill", "resume"},
          {"backfill", "status"},
          {"backfill", "tune", "--batch-size", "10"},
          {"lab", "--headless", "--rows", "1000", "--file", migration_file},
          {"lab", "--serve", "--rows", "1000", "--port", "0", "--file", migration_file}};
}

class RedactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("zs_redact_{}", static_cast<long>(getpid()));
    fs::create_directories(dir_);
    file_ = (dir_ / "02_split_name.yaml").string();
    std::ofstream(file_) << zs::testing::kSplitNameYaml;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void ExpectNoPassword(const ProcessRun& run, const std::string& label) {
    EXPECT_EQ(run.out.find(kPassword), std::string::npos) << label << " stdout: " << run.out;
    EXPECT_EQ(run.err.find(kPassword), std::string::npos) << label << " stderr: " << run.err;
  }

  fs::path dir_;
  std::string file_;
};

TEST_F(RedactionTest, NoCommandPrintsThePasswordWhenTheServerIsUnreachable) {
  int port = UnusedPort();
  const std::vector<std::string> urls = {
      fmt::format("postgresql://app:{}@127.0.0.1:{}/app", kPassword, port),
      fmt::format("postgres://app@127.0.0.1:{}/app?password={}&sslmode=disable", port, kPassword),
      fmt::format("host=127.0.0.1 port={} user=app password={} dbname=app", port, kPassword),
      fmt::format("host=127.0.0.1 port={} user=app password='{} x' dbname=app", port, kPassword),
  };
  int runs = 0;
  for (const auto& args : ConnectingCommands(file_)) {
    for (const auto& url : urls) {
      std::vector<std::string> with_url = args;
      with_url.insert(with_url.end(), {"--postgres-url", url});
      std::string label = fmt::format("{} with {}", fmt::join(args, " "), pg::RedactPassword(url));
      ProcessRun run = RunBinary(with_url);
      ++runs;
      EXPECT_NE(run.exit_code, 0) << label;
      EXPECT_FALSE(run.err.empty()) << label;
      ExpectNoPassword(run, label);
      // The message says where it could not connect, with the password masked.
      if (args[0] != "lab") {
        EXPECT_NE(run.err.find("***"), std::string::npos) << label << run.err;
      }
    }
  }
  // The URL from the environment, as most deployments pass it.
  setenv("DATABASE_URL", urls[0].c_str(), 1);
  ProcessRun from_env = RunBinary({"status"});
  unsetenv("DATABASE_URL");
  ++runs;
  EXPECT_NE(from_env.exit_code, 0);
  ExpectNoPassword(from_env, "status with DATABASE_URL");
  std::printf("password-redaction runs: %d (commands x URL forms)\n", runs);
}

// The same against the real server (which trusts loopback, so the password is
// accepted and ignored): a whole lifecycle's output, and a database that does
// not exist, whose error the server words itself.
TEST_F(RedactionTest, NoCommandPrintsThePasswordAgainstTheRealServer) {
  std::string plain = zs::testing::FreshDatabaseUrl();  // postgresql://postgres@127.0.0.1:P/db
  std::string url = plain;
  url.replace(url.find("postgres@"), 9, fmt::format("postgres:{}@", kPassword));
  {
    pg::Connection conn = zs::testing::Open(plain);
    zs::testing::MustRun(conn,
                         "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
                         "INSERT INTO users (name) VALUES ('Ada Lovelace'), ('Alan Turing')");
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"init"},
                                             {"plan", file_},
                                             {"start", file_},
                                             {"status"},
                                             {"backfill", "status"},
                                             {"verify"},
                                             {"doctor"},
                                             {"complete"},
                                             {"latest"},
                                             {"rollback"}}) {
    std::vector<std::string> with_url = args;
    with_url.insert(with_url.end(), {"--postgres-url", url});
    ProcessRun run = RunBinary(with_url);
    std::string label = fmt::format("{}", fmt::join(args, " "));
    // rollback after complete has nothing to do: an error, which must not leak either.
    if (args[0] != "rollback") {
      EXPECT_EQ(run.exit_code, 0) << label << ": " << run.err;
    }
    ExpectNoPassword(run, label);
  }
  std::string missing = url.substr(0, url.rfind('/')) + "/no_such_database";
  ProcessRun run = RunBinary({"status", "--postgres-url", missing});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no_such_database"), std::string::npos) << run.err;
  ExpectNoPassword(run, "status on a missing database");
}

// Malformed connection strings make libpq echo what it could not parse: a
// bad %-escape, a whole malformed URL, or, when the password holds an
// unencoded '@', '/' or '?', the pieces it took for a host, port or database.
// Both halves of the password must stay hidden, in Connection::Open's status
// and in what the binary prints.
std::vector<std::string> MalformedUrls(int port) {
  return {
      fmt::format("postgresql://app:Hunter2%zzs3cr3tPW@127.0.0.1:{}/app", port),
      fmt::format("postgresql://app:Hunter2s3cr3tPW@[::1:{}/app", port),
      fmt::format("postgresql://app:Hunter2s3cr3tPW@[::1]x:{}/app", port),
      fmt::format("postgresql://app:Hunter2@s3cr3tPW@127.0.0.1:{}/app", port),
      fmt::format("postgresql://app:Hunter2/s3cr3tPW@127.0.0.1:{}/app", port),
      fmt::format("postgresql://app:Hunter2?s3cr3tPW@127.0.0.1:{}/app", port),
      fmt::format("postgresql://app@127.0.0.1:{}/app?password=Hunter2%zzs3cr3tPW", port),
      fmt::format("postgresql://app@127.0.0.1:{}/app?password=Hunter2=s3cr3tPW", port),
      fmt::format("postgresql://app@127.0.0.1:{}/app?sslmode=bogus&password=Hunter2s3cr3tPW", port),
      fmt::format("host=127.0.0.1 port={} password=Hunter2s3cr3tPW dbname", port),
      fmt::format("host=127.0.0.1 port={} password='Hunter2s3cr3tPW", port),
  };
}

void ExpectNoPasswordPiece(const std::string& text, const std::string& label) {
  EXPECT_EQ(text.find("Hunter2"), std::string::npos) << label << ": " << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << label << ": " << text;
}

TEST(RedactSecretsTest, MalformedUrlsNeverLeakThePasswordFromOpen) {
  for (const auto& url : MalformedUrls(UnusedPort())) {
    Result<pg::Connection> conn = pg::Connection::Open(url);
    ASSERT_FALSE(conn.ok()) << url;
    ExpectNoPasswordPiece(conn.status().message(), url);
  }
}

TEST(RedactSecretsTest, MasksQuotedPiecesAndKeepsTheRest) {
  const std::string url = "postgresql://app:Sec@r3t@127.0.0.1:1/db";
  EXPECT_EQ(pg::RedactSecrets(
                "could not translate host name \"r3t@127.0.0.1\" to address: Name or service not "
                "known",
                url),
            "could not translate host name \"***@127.0.0.1\" to address: Name or service not "
            "known");
  EXPECT_EQ(pg::RedactSecrets("invalid percent-encoded token: \"pa%zzss\"",
                              "postgresql://app:pa%zzss@h/db"),
            "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(pg::RedactSecrets("end of string reached in URI: \"postgresql://app:Secr3t@[::1/db\"",
                              "postgresql://app:Secr3t@[::1/db"),
            "end of string reached in URI: \"postgresql://app:***@[::1/db\"");
  // Nothing secret: the message is kept whole.
  EXPECT_EQ(pg::RedactSecrets("could not translate host name \"db.internal\"",
                              "postgresql://app:pw@db.internal/db"),
            "could not translate host name \"db.internal\"");
}

TEST_F(RedactionTest, MalformedUrlsNeverLeakThePasswordFromTheBinary) {
  for (const auto& url : MalformedUrls(UnusedPort())) {
    ProcessRun run = RunBinary({"status", "--postgres-url", url});
    EXPECT_NE(run.exit_code, 0) << url;
    ExpectNoPasswordPiece(run.out, url);
    ExpectNoPasswordPiece(run.err, url);
  }
}

// A URL of the shared cluster's fresh database with kPassword in it (the
// cluster trusts loopback: the password is accepted and ignored).
std::string RedactionUrlWithPassword(std::string plain) {
  plain.replace(plain.find("postgres@"), 9, fmt::format("postgres:{}@", kPassword));
  return plain;
}

std::string RedactionReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fleet of two reachable targets and one where nothing listens, all with
// passwords: start fails at the unreachable one and rolls back the others;
// status (table and JSON) and a --targets-query run (its own URL with a
// password) follow. No output, nor the journal, may contain the password.
TEST_F(RedactionTest, FleetNeverPrintsNorJournalsThePassword) {
  std::vector<std::string> urls;
  for (int i = 0; i < 2; ++i) {
    std::string plain = zs::testing::FreshDatabaseUrl();
    pg::Connection conn = zs::testing::Open(plain);
    zs::testing::MustRun(conn,
                         "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);"
                         "INSERT INTO users (name) VALUES ('Ada Lovelace'), ('Alan Turing')");
    urls.push_back(RedactionUrlWithPassword(plain));
  }
  std::string unreachable =
      fmt::format("postgresql://app:{}@127.0.0.1:{}/app", kPassword, UnusedPort());
  fs::path targets = dir_ / "targets.txt";
  std::ofstream(targets) << fmt::format("t1 {}\nt2 {}\nt3 {}\n", urls[0], urls[1], unreachable);
  fs::path journal = fs::path(targets.string() + ".02_split_name.fleet-journal.json");
  auto fleet = [&](const std::string& command, std::vector<std::string> extra) {
    std::vector<std::string> args = {"fleet", command, file_, "--targets", targets.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessRun run = RunBinary(args);
    ExpectNoPassword(run, "fleet " + command);
    return run;
  };

  ProcessRun start = fleet("start", {});
  EXPECT_NE(start.exit_code, 0) << start.err;
  EXPECT_NE(start.err.find("fleet start stopped at t3"), std::string::npos) << start.err;
  // The unreachable target's error names it, its password masked.
  EXPECT_NE(start.err.find("app:***@127.0.0.1"), std::string::npos) << start.err;
  // Its progress lines were printed (the engine's, prefixed by the target).
  EXPECT_NE(start.err.find("[t1] "), std::string::npos) << start.err;
  std::string journal_text = RedactionReadFile(journal);
  EXPECT_NE(journal_text.find("\"t3\""), std::string::npos) << journal_text;
  EXPECT_NE(journal_text.find("***"), std::string::npos) << journal_text;
  EXPECT_EQ(journal_text.find(kPassword), std::string::npos) << journal_text;

  ProcessRun table = fleet("status", {});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("postgres:***@"), std::string::npos) << table.out;
  ProcessRun json = fleet("status", {"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  nlohmann::json status = nlohmann::json::parse(json.out);
  ASSERT_EQ(status["targets"].size(), 3u) << json.out;
  EXPECT_EQ(status["targets"][2]["state"], "unreachable") << json.out;

  // The targets from a query, on a database reached with a password.
  std::string plain = zs::testing::FreshDatabaseUrl();
  {
    pg::Connection conn = zs::testing::Open(plain);
    zs::testing::MustRun(conn, "CREATE TABLE shards (name text, url text)");
    for (int i = 0; i < 2; ++i) {
      zs::testing::MustRun(conn,
                           fmt::format("INSERT INTO shards VALUES ('q{}', '{}')", i, urls[i]));
    }
  }
  fs::path query_journal = dir_ / "query.journal.json";
  std::vector<std::string> by_query = {"fleet",
                                       "status",
                                       file_,
                                       "--targets-query",
                                       RedactionUrlWithPassword(plain),
                                       "SELECT name, url FROM shards",
                                       "--journal",
                                       query_journal.string(),
                                       "--json"};
  ProcessRun query_status = RunBinary(by_query);
  EXPECT_EQ(query_status.exit_code, 0) << query_status.err;
  EXPECT_NE(query_status.out.find("\"q1\""), std::string::npos) << query_status.out;
  ExpectNoPassword(query_status, "fleet status --targets-query");
  by_query[1] = "start";
  by_query.pop_back();
  ProcessRun query_start = RunBinary(by_query);
  EXPECT_EQ(query_start.exit_code, 0) << query_start.err;
  ExpectNoPassword(query_start, "fleet start --targets-query");
  EXPECT_EQ(RedactionReadFile(query_journal).find(kPassword), std::string::npos);
  // The query's database unreachable: its error masks the password too.
  by_query[3 + 1] = fmt::format("postgresql://app:{}@127.0.0.1:{}/app", kPassword, UnusedPort());
  ProcessRun query_down = RunBinary(by_query);
  EXPECT_NE(query_down.exit_code, 0);
  EXPECT_NE(query_down.err.find("***"), std::string::npos) << query_down.err;
  ExpectNoPassword(query_down, "fleet start --targets-query, unreachable");
}

}  // namespace
}  // namespace zs::cli
