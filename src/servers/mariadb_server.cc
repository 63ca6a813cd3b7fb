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

std::string MdbErrno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a file descriptor on scope exit.
class MdbFd {
 public:
  explicit MdbFd(int fd = -1) : fd_(fd) {}
  MdbFd(const MdbFd&) = delete;
  MdbFd& operator=(const MdbFd&) = delete;
  ~MdbFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// posix_spawn_file_actions_t, destroyed on scope exit.
class MdbSpawnActions {
 public:
  MdbSpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~MdbSpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  MdbSpawnActions(const MdbSpawnActions&) = delete;
  MdbSpawnActions& operator=(const MdbSpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

std::vector<char*> MdbArgv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  return args;
}

// Spawns argv (looked up in PATH) in "/" (the mysql user may not enter the
// caller's directory), stdin from /dev/null, stdout and stderr to `output_fd`.
Result<pid_t> MdbSpawn(const std::vector<std::string>& argv, int output_fd) {
  MdbSpawnActions actions;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), output_fd, 1);
  posix_spawn_file_actions_adddup2(actions.get(), output_fd, 2);
  posix_spawn_file_actions_addchdir_np(actions.get(), "/");
  std::vector<char*> args = MdbArgv(argv);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), environ);
  if (rc != 0) return IoError("cannot run " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int MdbWaitExit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs argv to completion; an exit code other than 0 is an error carrying its
// output. No shell is involved.
Result<std::string> MdbRunChecked(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return IoError(MdbErrno("pipe"));
  MdbFd read_end(fds[0]);
  pid_t pid;
  {
    MdbFd write_end(fds[1]);
    ZS_ASSIGN_OR_RETURN(pid, MdbSpawn(argv, write_end.get()));
  }
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(read_end.get(), buffer, sizeof buffer)) != 0) {
    if (n > 0) output.append(buffer, static_cast<size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  int code = MdbWaitExit(pid);
  if (code != 0) {
    std::string command;
    for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
    return IoError(fmt::format("{} exited with {}: {}", command, code, output));
  }
  return output;
}

// Who runs the server: ourselves, or `mysql` when we are root.
struct MdbServerUser {
  bool as_mysql = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<MdbServerUser> FindMariadbUser() {
  MdbServerUser user{false, geteuid(), getegid()};
  if (user.uid != 0) return user;
  const passwd* pw = getpwnam("mysql");
  if (pw == nullptr) {
    return IoError(
        "running as root, but there is no `mysql` system user to run mariadbd as (the "
        "mariadb-server package creates it: run scripts/setup-debian.sh)");
  }
  return MdbServerUser{true, pw->pw_uid, pw->pw_gid};
}

Status MdbChownTree(const MdbServerUser& user, const fs::path& root) {
  if (!user.as_mysql) return Status::Ok();
  if (lchown(root.c_str(), user.uid, user.gid) != 0) {
    return IoError(MdbErrno("chown " + root.string()));
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (lchown(it->path().c_str(), user.uid, user.gid) != 0) {
      return IoError(MdbErrno("chown " + it->path().string()));
    }
  }
  if (ec) return IoError("walking " + root.string() + ": " + ec.message());
  return Status::Ok();
}

Result<std::string> MdbMakeTempDir(const std::string& prefix) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return IoError(MdbErrno("mkdtemp " + pattern));
  return std::string(buffer.data());
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
  ZS_ASSIGN_OR_RETURN(std::string text, MdbRunChecked({kMariadbd, "--version"}));
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

std::vector<std::string> MdbUserArgs(const MdbServerUser& user) {
  if (!user.as_mysql) return {};
  return {"--user=mysql"};
}

Status InstallMariadbDataDir(const MdbServerUser& user, const std::string& data_dir) {
  std::vector<std::string> argv = {kInstallDb,
                                   "--no-defaults",
                                   "--skip-test-db",
                                   "--auth-root-authentication-method=normal",
                                   "--datadir=" + data_dir,
                                   kRedoLogSize};
  for (std::string& arg : MdbUserArgs(user)) argv.push_back(std::move(arg));
  return MdbRunChecked(argv).status().WithContext("mariadb-install-db into " + data_dir);
}

// An installed data directory shared by every server of this user and
// version: install takes about a second or more, a copy tens of ms. Built
// once under an flock, into a temporary directory renamed into place, so
// readers never see half of it.
Result<std::string> CachedMariadbInstall(const MdbServerUser& user) {
  ZS_ASSIGN_OR_RETURN(std::string version, MariadbVersionTag());
  const std::string cache =
      fmt::format("/tmp/zeroshift-mariadb-cache-{}-{}", static_cast<unsigned>(user.uid), version);
  MdbFd lock(open((cache + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return IoError(MdbErrno("open " + cache + ".lock"));
  while (flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return IoError(MdbErrno("flock " + cache + ".lock"));
  }
  struct stat info {};
  if (stat(cache.c_str(), &info) == 0) {
    // /tmp is shared: only trust an install owned by the server's user.
    if (info.st_uid != user.uid) return IoError(cache + " is owned by another user");
    return cache;
  }
  ZS_ASSIGN_OR_RETURN(std::string building, MdbMakeTempDir("zeroshift-mariadb-build-"));
  std::string data = building + "/data";
  Status status = MdbChownTree(user, building);
  if (status.ok()) status = InstallMariadbDataDir(user, data);
  if (status.ok() && rename(data.c_str(), cache.c_str()) != 0) status = IoError(MdbErrno("rename"));
  std::error_code ec;
  fs::remove_all(building, ec);
  if (!status.ok()) return status;
  return cache;
}

// A data directory at `data_dir`: a copy of the cached install, or a fresh
// install when the cache is unusable.
Status CreateMariadbDataDir(const MdbServerUser& user, const std::string& data_dir) {
  if (Result<std::string> cache = CachedMariadbInstall(user); cache.ok()) {
    // cp -a keeps the owner (mysql) and the modes.
    if (MdbRunChecked({"cp", "-a", *cache, data_dir}).ok()) return Status::Ok();
  }
  return InstallMariadbDataDir(user, data_dir);
}

// A port free right now on 127.0.0.1. Another process may take it before the
// server binds it; Start retries for that case.
Result<int> MdbFreePort() {
  MdbFd sock(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return IoError(MdbErrno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return IoError(MdbErrno("bind 127.0.0.1:0"));
  }
  socklen_t len = sizeof addr;
  if (getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return IoError(MdbErrno("getsockname"));
  }
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string MdbReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MdbLastLines(const std::string& text, size_t count) {
  size_t pos = text.size();
  for (size_t lines = 0; pos > 0 && lines <= count; --pos) {
    if (text[pos - 1] == '\n') ++lines;
  }
  return text.substr(pos);
}

bool MariadbPortClash(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("Bind on TCP/IP port") != std::string::npos;
}

// "%xx"-escapes everything but RFC 3986 unreserved characters.
std::string MdbPercentEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
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
  ZS_ASSIGN_OR_RETURN(MdbServerUser user, FindMariadbUser());
  // The constructor is private, so make_unique cannot be used; ownership is
  // taken on the spot and the destructor cleans up whatever a failure leaves.
  std::unique_ptr<MariadbServer> server(new MariadbServer());
  server->options_ = options;
  server->as_mysql_user_ = user.as_mysql;
  ZS_ASSIGN_OR_RETURN(server->root_dir_, MdbMakeTempDir("zeroshift-mariadb-"));
  server->data_dir_ = server->root_dir_ + "/data";
  server->socket_path_ = server->root_dir_ + "/mariadbd.sock";
  server->log_file_ = server->root_dir_ + "/server.log";
  ZS_RETURN_IF_ERROR(CreateMariadbDataDir(user, server->data_dir_));
  ZS_RETURN_IF_ERROR(MdbChownTree(user, server->root_dir_));
  std::string log;
  for (int attempt = 1; attempt <= kMariadbStartAttempts; ++attempt) {
    ZS_ASSIGN_OR_RETURN(server->port_, MdbFreePort());
    ZS_RETURN_IF_ERROR(server->Spawn());
    Status ready = server->WaitUntilReady();
    if (ready.ok()) return server;
    log = MdbReadFile(server->log_file_);
    if (server->pid_ > 0 || !MariadbPortClash(log)) {
      std::fprintf(stderr, "---- mariadbd failed to start; last lines of %s ----\n%s----\n",
                   server->log_file_.c_str(), MdbLastLines(log, 40).c_str());
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
      "--pid-file=" + root_dir_ + "/mariadbd.pid", "--log-error=" + log_file_, kRedoLogSize,
      "--innodb-buffer-pool-size=64M",
      // A throwaway server: a crash may lose the last second.
      "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
      "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
      "--max-connections=200"};
  if (as_mysql_user_) argv.insert(argv.begin() + 2, "--user=mysql");
  for (const std::string& arg : options_.server_args) argv.push_back(arg);
  MdbFd devnull(open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (devnull.get() < 0) return IoError(MdbErrno("open /dev/null"));
  ZS_ASSIGN_OR_RETURN(pid_, MdbSpawn(argv, devnull.get()));
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
    (void)MdbWaitExit(pid_);
  }
  pid_ = -1;
}

MariadbServer::~MariadbServer() {
  Stop();
  if (options_.keep_log && !log_file_.empty()) {
    std::fprintf(stderr, "---- MariaDB log %s ----\n%s", log_file_.c_str(),
                 MdbReadFile(log_file_).c_str());
  }
  if (!root_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(root_dir_, ec);
  }
}

std::string MariadbServer::Url(const std::string& database) const {
  return fmt::format("mariadb://root@127.0.0.1:{}/{}", port_, MdbPercentEncode(database));
}

std::string MariadbServer::SocketUrl(const std::string& database) const {
  return fmt::format("mariadb://root@localhost/{}?socket={}", MdbPercentEncode(database),
                     MdbPercentEncode(socket_path_));
}

Result<std::string> MariadbServer::CreateDatabase(const std::string& name) {
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(SocketUrl()));
  ZS_ASSIGN_OR_RETURN(std::string quoted, mysql::QuoteIdentifierChecked(name));
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE DATABASE " + quoted + " CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
          .WithContext("creating the MariaDB database " + name));
  return Url(name);
}

namespace {

// What the signal handler needs, prepared in advance: a handler may only call
// async-signal-safe functions (kill, waitpid, fork, execvp), not allocate.
struct MariadbEmergencyStop {
  pid_t pid = -1;
  std::vector<std::string> remove_args;
  std::vector<char*> remove_argv;
};
MariadbEmergencyStop* g_mariadb_emergency = nullptr;  // not owning
constexpr int kMariadbStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
using MdbSignalHandler = void (*)(int);
MdbSignalHandler g_mariadb_previous_handlers[3] = {SIG_DFL, SIG_DFL, SIG_DFL};

// Owns the shared server. Its static destructor stops the server at normal
// exit, but only in the process that started it (not in a forked child).
struct SharedMariadbHolder {
  std::unique_ptr<MariadbServer> server;
  pid_t owner = getpid();

  ~SharedMariadbHolder() {
    g_mariadb_emergency = nullptr;
    if (getpid() != owner) (void)server.release();  // the parent still owns the server
  }
};

// Kills the shared server (its data is throwaway), removes its directory,
// then hands the signal on: to the handler installed before ours (the shared
// PostgreSQL cluster's, which re-raises), else to the default action.
void StopMariadbOnSignal(int sig) {
  if (MariadbEmergencyStop* stop = g_mariadb_emergency) {
    g_mariadb_emergency = nullptr;
    kill(stop->pid, SIGKILL);
    int status;
    while (waitpid(stop->pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid_t rm = fork();
    if (rm == 0) {
      execvp(stop->remove_argv[0], stop->remove_argv.data());
      _exit(127);
    }
    while (rm > 0 && waitpid(rm, &status, 0) < 0 && errno == EINTR) {
    }
  }
  for (size_t i = 0; i < std::size(kMariadbStopSignals); ++i) {
    if (kMariadbStopSignals[i] != sig) continue;
    MdbSignalHandler previous = g_mariadb_previous_handlers[i];
    if (previous != SIG_DFL && previous != SIG_IGN && previous != SIG_ERR) {
      previous(sig);
      return;
    }
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void InstallMariadbSignalHandlers(SharedMariadbHolder& holder, MariadbEmergencyStop& stop) {
  stop.pid = holder.server->pid();
  stop.remove_args = {"rm", "-rf", fs::path(holder.server->data_dir()).parent_path()};
  stop.remove_argv = MdbArgv(stop.remove_args);
  g_mariadb_emergency = &stop;
  for (size_t i = 0; i < std::size(kMariadbStopSignals); ++i) {
    g_mariadb_previous_handlers[i] = std::signal(kMariadbStopSignals[i], StopMariadbOnSignal);
  }
}

}  // namespace

MariadbServer& SharedMariadbServer() {
  // `emergency` outlives `holder`, whose destructor disarms the handler.
  static MariadbEmergencyStop emergency;
  static SharedMariadbHolder holder;
  static std::once_flag once;
  std::call_once(once, [] {
    Result<std::unique_ptr<MariadbServer>> started = MariadbServer::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "FATAL: cannot start the shared test MariaDB server: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    holder.server = std::move(started).value();
    InstallMariadbSignalHandlers(holder, emergency);
  });
  return *holder.server;
}

std::string FreshMariadbDatabaseUrl() {
  static std::atomic<int> counter{0};
  std::string name = fmt::format("t_{}_{}", getpid(), ++counter);
  Result<std::string> url = SharedMariadbServer().CreateDatabase(name);
  if (!url.ok()) {
    std::fprintf(stderr, "FATAL: cannot create the MariaDB test database %s: %s\n", name.c_str(),
                 url.status().ToString().c_str());
    std::abort();
  }
  return *url;
}

}  // namespace zs::servers
