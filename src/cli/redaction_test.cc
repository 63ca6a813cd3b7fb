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
#include "testing/seed_migration.h"
#include "testing/temp_cluster.h"
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

}  // namespace
}  // namespace zs::cli
