#include "servers/mariadb_server.h"
#include "testing/shared_mariadb.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mysql/connection.h"

namespace zs::servers {
namespace {

mysql::Connection OpenOrDie(const std::string& url) {
  Result<mysql::Connection> conn = mysql::Connection::Open(url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) std::abort();
  return std::move(conn).value();
}

// The real uid of a process, from /proc/PID/status ("Uid: real effective ...").
long ProcessUid(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

TEST(MariadbServerTest, StartsOnASocketAndALoopbackPortAndIsRemovedWhenDestroyed) {
  auto begin = std::chrono::steady_clock::now();
  Result<std::unique_ptr<MariadbServer>> started = MariadbServer::Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  double start_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("MariaDB server start: %.2f s\n", start_s);
  std::unique_ptr<MariadbServer> server = std::move(started).value();
  std::string root = std::filesystem::path(server->data_dir()).parent_path();
  pid_t pid = server->pid();

  mysql::Connection tcp = OpenOrDie(server->Url());
  Result<mysql::Rows> rows = tcp.Exec("SELECT @@port, @@bind_address, @@socket, VERSION()");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->GetInt(0, 0), server->port());
  EXPECT_EQ(rows->Get(0, 1), "127.0.0.1");
  EXPECT_EQ(rows->Get(0, 2), server->socket_path());
  EXPECT_NE(rows->Get(0, 3).find("MariaDB"), std::string::npos) << rows->Get(0, 3);

  mysql::Connection socket = OpenOrDie(server->SocketUrl());
  Result<mysql::Rows> via = socket.Exec("SELECT @@hostname IS NOT NULL, USER()");
  ASSERT_TRUE(via.ok()) << via.status().ToString();
  EXPECT_EQ(via->Get(0, 1), "root@localhost");

  if (geteuid() == 0) {
    EXPECT_NE(ProcessUid(pid), 0) << "mariadbd must not run as root";
  }
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(root)) << root;
  EXPECT_NE(ProcessUid(pid), 0) << "the server process is gone";  // -1: no such process
  EXPECT_EQ(ProcessUid(pid), -1);
}

TEST(MariadbServerTest, CreateDatabaseReturnsAUrlThatSelectsIt) {
  MariadbServer& server = testing::SharedMariadbServer();
  Result<std::string> url = server.CreateDatabase("app db");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(*url, "mariadb://root@127.0.0.1:" + std::to_string(server.port()) + "/app%20db");
  mysql::Connection conn = OpenOrDie(*url);
  Result<mysql::Rows> rows = conn.Exec("SELECT DATABASE(), @@character_set_database");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0), "app db");
  EXPECT_EQ(rows->Get(0, 1), "utf8mb4");

  Result<std::string> again = server.CreateDatabase("app db");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(mysql::ErrorNumber(again.status()), mysql::errors::kDatabaseExists);
  EXPECT_NE(again.status().message().find("app db"), std::string::npos);
}

TEST(MariadbServerTest, FreshDatabasesAreDistinct) {
  std::string first = testing::FreshMariadbDatabaseUrl();
  std::string second = testing::FreshMariadbDatabaseUrl();
  EXPECT_NE(first, second);
  mysql::Connection conn = OpenOrDie(second);
  EXPECT_TRUE(conn.Run("CREATE TABLE t (id INT PRIMARY KEY)").ok());
}

TEST(MariadbServerTest, SocketUrlPercentEncodesThePath) {
  MariadbServer& server = testing::SharedMariadbServer();
  std::string url = server.SocketUrl("x");
  EXPECT_EQ(url.rfind("mariadb://root@localhost/x?socket=%2F", 0), 0u) << url;
  Result<mysql::ConnectParams> params = mysql::ParseUrl(url);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->socket, server.socket_path());
}

// Run only as the child of the next test: starts the shared server, prints
// its pid and directory, then is terminated by a signal.
// A primary with its binary log and a replica of it: what the primary
// writes reaches the replica (the wait is MASTER_GTID_WAIT, woken by the
// replica's SQL thread), and with that thread stopped it does not.
TEST(MariadbServerTest, ReplicaAppliesWhatItsPrimaryLogsWhileItsSqlThreadRuns) {
  auto primary = MariadbServer::Start({.server_id = 1, .log_bin = true});
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();
  auto replica = MariadbServer::Start({.server_id = 2});
  ASSERT_TRUE(replica.ok()) << replica.status().ToString();
  Status following = (*replica)->StartReplicaOf(**primary);
  ASSERT_TRUE(following.ok()) << following.ToString();

  mysql::Connection source = OpenOrDie((*primary)->SocketUrl());
  ASSERT_TRUE(source.Run("CREATE DATABASE app").ok());
  ASSERT_TRUE(source.Run("CREATE TABLE app.t (id int PRIMARY KEY)").ok());
  ASSERT_TRUE(source.Run("INSERT INTO app.t VALUES (1), (2)").ok());
  ASSERT_TRUE((*replica)->WaitForReplica(**primary).ok());
  mysql::Connection copy = OpenOrDie((*replica)->SocketUrl());
  Result<mysql::Rows> rows = copy.Exec("SELECT COUNT(*) FROM app.t");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0), "2");

  // Stopped, it falls behind, and the wait says why instead of hanging.
  ASSERT_TRUE(copy.Run("STOP SLAVE SQL_THREAD").ok());
  ASSERT_TRUE(source.Run("INSERT INTO app.t VALUES (3)").ok());
  Status behind = (*replica)->WaitForReplica(**primary, std::chrono::seconds(1));
  EXPECT_FALSE(behind.ok());
  EXPECT_NE(behind.message().find("Slave_SQL_Running No"), std::string::npos) << behind.ToString();
  ASSERT_TRUE(copy.Run("START SLAVE SQL_THREAD").ok());
  ASSERT_TRUE((*replica)->WaitForReplica(**primary).ok());
  rows = copy.Exec("SELECT COUNT(*) FROM app.t");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->Get(0, 0), "3");

  // The shared test server has no binary log: it cannot be a primary.
  EXPECT_FALSE((*replica)->StartReplicaOf(zs::testing::SharedMariadbServer()).ok());
}

TEST(MariadbServerSignalTest, HelperStartsTheSharedServerThenGetsSigterm) {
  if (std::getenv("ZS_MARIADB_SIGNAL_HELPER") == nullptr) {
    GTEST_SKIP() << "run by MariadbServerSignalTest.SigtermKillsTheSharedServerAndRemovesIt";
  }
  MariadbServer& server = testing::SharedMariadbServer();
  std::printf("SERVER %d %s\n", static_cast<int>(server.pid()),
              std::filesystem::path(server.data_dir()).parent_path().c_str());
  std::fflush(stdout);
  std::raise(SIGTERM);
}

TEST(MariadbServerSignalTest, SigtermKillsTheSharedServerAndRemovesIt) {
  std::string self = std::filesystem::read_symlink("/proc/self/exe");
  std::string command = "ZS_MARIADB_SIGNAL_HELPER=1 '" + self +
                        "' --gtest_filter=MariadbServerSignalTest.Helper* 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status) || WIFSIGNALED(status));
  size_t at = output.find("SERVER ");
  ASSERT_NE(at, std::string::npos) << output;
  std::istringstream line(output.substr(at + 7));
  int pid = 0;
  std::string root;
  line >> pid >> root;
  ASSERT_GT(pid, 0) << output;
  EXPECT_EQ(ProcessUid(pid), -1) << "mariadbd " << pid << " survived its test process";
  EXPECT_FALSE(std::filesystem::exists(root)) << root;
}

}  // namespace
}  // namespace zs::servers
