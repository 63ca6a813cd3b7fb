// Passwords never reach the output: every command that connects is run
// through the real binary with a password in the URL (URL user info, URL
// query, keyword form, DATABASE_URL), against a port where nothing listens
// and against the real server, and neither stdout nor stderr may contain it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

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

}  // namespace
}  // namespace zs::cli
