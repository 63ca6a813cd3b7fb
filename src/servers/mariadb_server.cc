#include "servers/mariadb_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "mysql/connection.h"
#include "servers/process.h"

extern char** environ;

namespace zs::servers {

namespace fs = std::filesystem;

namespace {

constexpr char kMariadbd[] = "/usr/sbin/mariadbd";
constexpr char kInstallDb[] = "mariadb-install-db";
constexpr int kMariadbStartAttempts = 5;
constexpr auto kMariadbReadyTimeout = std::chrono::seconds(60);
constexpr auto kMariadbStopTimeout = std::chrono::seconds(30);
constexpr auto kMariadbPollInterval = std::chrono::milliseconds(20);
// The redo log is 96 MiB by default, most of a fresh data directory.
constexpr char kRedoLogSize[] = "--innodb-log-file-size=8M";

Result<SystemUser> FindMariadbUser() {
  return ServerSystemUser(
      "mysql",
      "running as root, but there is no `mysql` system user to run mariadbd "
      "as (the mariadb-server package creates it: run scripts/setup-debian.sh)");
}

Status CheckMariadbInstalled() {
  if (access(kMariadbd, X_OK) != 0) {
    return IoError(std::string("no MariaDB server at ") + kMariadbd +
                   ": install the mariadb-server package (scripts/setup-debian.sh)");
  }
  return Status::Ok();
}

// "10.11.19-MariaDB-0_deb12u1" from `mariadbd --version`, reduced to a safe
// file-name fragment: the install cache is per server build.
Result<std::string> MariadbVersionTag() {
  ZS_ASSIGN_OR_RETURN(std::string text, RunChecked({kMariadbd, "--version"}));
  std::istringstream words(text);
  std::string word, version;
  while (words >> word) {
    if (word == "Ver") words >> version;
  }
  std::string safe;
  for (char c : version)
    safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_');
  if (safe.empty()) return IoError("cannot read the MariaDB version from: " + text);
  return safe;
}

std::vector<std::string> MdbUserArgs(const SystemUser& user) {
  if (!user.switch_user) return {};
  return {"--user=mysql"};
}

Status InstallMariadbDataDir(const SystemUser& user, const std::string& data_dir) {
  std::vector<std::string> argv = {kInstallDb,
                                   "--no-defaults",
                                   "--skip-test-db",
                                   "--auth-root-authentication-method=normal",
                                   "--datadir=" + data_dir,
                                   kRedoLogSize};
  for (std::string& arg : MdbUserArgs(user)) argv.push_back(std::move(arg));
  return RunChecked(argv).status().WithContext("mariadb-install-db into " + data_dir);
}

// An installed data directory shared by every server of this user and
// version: install takes about a second or more, a copy tens of ms. Built
// once under an flock, into a temporary directory renamed into place, so
// readers never see half of it.
Result<std::string> CachedMariadbInstall(const SystemUser& user) {
  ZS_ASSIGN_OR_RETURN(std::string version, MariadbVersionTag());
  const std::string cache =
      fmt::format("/tmp/zeroshift-mariadb-cache-{}-{}", static_cast<unsigned>(user.uid), version);
  FileDescriptor lock(open((cache + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return IoError(ErrnoText("open " + cache + ".lock"));
  while (flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return IoError(ErrnoText("flock " + cache + ".lock"));
  }
  struct stat info {};
  if (stat(cache.c_str(), &info) == 0) {
    // /tmp is shared: only trust an install owned by the server's user.
    if (info.st_uid != user.uid) return IoError(cache + " is owned by another user");
    return cache;
  }
  ZS_ASSIGN_OR_RETURN(std::string building, MakeTempDir(TempParent(), "zeroshift-mariadb-build-"));
  std::string data = building + "/data";
  Status status = ChownTree(user, building);
  if (status.ok()) status = InstallMariadbDataDir(user, data);
  if (status.ok() && rename(data.c_str(), cache.c_str()) != 0)
    status = IoError(ErrnoText("rename"));
  std::error_code ec;
  fs::remove_all(building, ec);
  if (!status.ok()) return status;
  return cache;
}

// A data directory at `data_dir`: a copy of the cached install, or a fresh
// install when the cache is unusable.
Status CreateMariadbDataDir(const SystemUser& user, const std::string& data_dir) {
  if (Result<std::string> cache = CachedMariadbInstall(user); cache.ok()) {
    // cp -a keeps the owner (mysql) and the modes.
    if (RunChecked({"cp", "-a", *cache, data_dir}).ok()) return Status::Ok();
  }
  return InstallMariadbDataDir(user, data_dir);
}

bool MariadbPortClash(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("Bind on TCP/IP port") != std::string::npos;
}

// The pid's exit, if it has exited; -1 while it runs.
int MdbExitedCode(pid_t pid) {
  int status = 0;
  pid_t done = waitpid(pid, &status, WNOHANG);
  if (done != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool MdbWaitForExit(pid_t pid, std::chrono::steady_clock::duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (MdbExitedCode(pid) >= 0) return true;
    std::this_thread::sleep_for(kMariadbPollInterval);
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<MariadbServer>> MariadbServer::Start(const MariadbServerOptions& options) {
  ZS_RETURN_IF_ERROR(CheckMariadbInstalled());
  ZS_ASSIGN_OR_RETURN(SystemUser user, FindMariadbUser());
  // The constructor is private, so make_unique cannot be used; ownership is
  // taken on the spot and the destructor cleans up whatever a failure leaves.
  std::unique_ptr<MariadbServer> server(new MariadbServer());
  server->options_ = options;
  server->as_mysql_user_ = user.switch_user;
  ZS_ASSIGN_OR_RETURN(server->root_dir_, MakeTempDir(TempParent(), "zeroshift-mariadb-"));
  server->data_dir_ = server->root_dir_ + "/data";
  server->socket_path_ = server->root_dir_ + "/mariadbd.sock";
  server->log_file_ = server->root_dir_ + "/server.log";
  ZS_RETURN_IF_ERROR(CreateMariadbDataDir(user, server->data_dir_));
  // Its own tmpdir: a starting mariadbd deletes every #sql* file in its
  // tmpdir, which in a shared /tmp are the internal temporary tables of
  // another server running at that moment (seen: "Error on delete of
  // '/tmp/#sql-temptable-...'" in a query of information_schema).
  std::error_code made_error;
  std::filesystem::create_directory(server->root_dir_ + "/tmp", made_error);
  if (made_error) {
    return IoError(
        fmt::format("cannot create {}/tmp: {}", server->root_dir_, made_error.message()));
  }
  ZS_RETURN_IF_ERROR(ChownTree(user, server->root_dir_));
  std::string log;
  for (int attempt = 1; attempt <= kMariadbStartAttempts; ++attempt) {
    ZS_ASSIGN_OR_RETURN(server->port_, FreeLoopbackPort());
    ZS_RETURN_IF_ERROR(server->Spawn());
    Status ready = server->WaitUntilReady();
    if (ready.ok()) return server;
    log = ReadFileFrom(server->log_file_);
    if (server->pid_ > 0 || !MariadbPortClash(log)) {
      std::fprintf(stderr, "---- mariadbd failed to start; last lines of %s ----\n%s----\n",
                   server->log_file_.c_str(), LastLines(log, 40).c_str());
      return ready;
    }
  }
  return IoError(fmt::format("mariadbd found no free port in {} attempts (server log: {})",
                             kMariadbStartAttempts, server->log_file_));
}

Status MariadbServer::Spawn() {
  std::vector<std::string> argv = {
      kMariadbd, "--no-defaults", "--datadir=" + data_dir_, "--socket=" + socket_path_,
      "--port=" + std::to_string(port_), "--bind-address=127.0.0.1", "--skip-name-resolve",
      "--pid-file=" + root_dir_ + "/mariadbd.pid", "--log-error=" + log_file_,
      "--tmpdir=" + root_dir_ + "/tmp", kRedoLogSize, "--innodb-buffer-pool-size=64M",
      // A throwaway server: a crash may lose the last second.
      "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
      "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
      "--max-connections=200"};
  if (as_mysql_user_) argv.insert(argv.begin() + 2, "--user=mysql");
  for (std::string& arg : ReplicationArgs()) argv.push_back(std::move(arg));
  for (const std::string& arg : options_.server_args) argv.push_back(arg);
  FileDescriptor devnull(open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (devnull.get() < 0) return IoError(ErrnoText("open /dev/null"));
  ZS_ASSIGN_OR_RETURN(pid_, SpawnInRoot(argv, devnull.get()));
  return Status::Ok();
}

// Polls the socket until a connection succeeds; pid_ becomes -1 when the
// server exits first (a port clash, or a real failure the log explains).
Status MariadbServer::WaitUntilReady() {
  auto deadline = std::chrono::steady_clock::now() + kMariadbReadyTimeout;
  Status last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (int code = MdbExitedCode(pid_); code >= 0) {
      pid_ = -1;
      return IoError(
          fmt::format("mariadbd exited with {} while starting (server log: {})", code, log_file_));
    }
    Result<mysql::Connection> conn = mysql::Connection::Open(SocketUrl());
    if (conn.ok()) return Status::Ok();
    last = conn.status();
    std::this_thread::sleep_for(kMariadbPollInterval);
  }
  return IoError(fmt::format("mariadbd did not accept connections within {} s: {} (server log: {})",
                             kMariadbReadyTimeout.count(), last.message(), log_file_));
}

void MariadbServer::Stop() {
  if (pid_ <= 0) return;
  Result<mysql::Connection> conn = mysql::Connection::Open(SocketUrl());
  if (!conn.ok() || !conn->Run("SHUTDOWN").ok()) kill(pid_, SIGTERM);
  if (!MdbWaitForExit(pid_, kMariadbStopTimeout)) {
    kill(pid_, SIGKILL);
    (void)WaitForExitCode(pid_);
  }
  pid_ = -1;
}

MariadbServer::~MariadbServer() {
  Stop();
  if (options_.keep_log && !log_file_.empty()) {
    std::fprintf(stderr, "---- MariaDB log %s ----\n%s", log_file_.c_str(),
                 ReadFileFrom(log_file_).c_str());
  }
  if (!root_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(root_dir_, ec);
  }
}

std::string MariadbServer::Url(const std::string& database) const {
  return fmt::format("mariadb://root@127.0.0.1:{}/{}", port_, PercentEncode(database));
}

std::string MariadbServer::SocketUrl(const std::string& database) const {
  return fmt::format("mariadb://root@localhost/{}?socket={}", PercentEncode(database),
                     PercentEncode(socket_path_));
}

Result<std::string> MariadbServer::CreateDatabase(const std::string& name) {
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(SocketUrl()));
  ZS_ASSIGN_OR_RETURN(std::string quoted, mysql::QuoteIdentifierChecked(name));
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE DATABASE " + quoted + " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
          .WithContext("creating the MariaDB database " + name));
  return Url(name);
}

}  // namespace zs::servers
