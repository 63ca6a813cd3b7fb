#include "servers/temp_cluster.h"

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
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "pg/connection.h"
#include "pg/quote.h"
#include "servers/process.h"

extern char** environ;

namespace zs::servers {

namespace fs = std::filesystem;

namespace {

constexpr int kStartAttempts = 5;
constexpr int kLogLinesOnFailure = 60;

bool HasInitdb(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / "initdb", ec) && fs::exists(dir / "pg_ctl", ec);
}

// pg_config --bindir when it has the server tools (Debian's pg_config may come
// from libpq-dev alone), else the highest /usr/lib/postgresql/<major>/bin.
Result<std::string> FindBinDir() {
  if (Result<CommandOutput> out = RunCommand({"pg_config", "--bindir"});
      out.ok() && out->exit_code == 0) {
    std::string dir = out->output.substr(0, out->output.find('\n'));
    if (HasInitdb(dir)) return dir;
  }
  int best_major = -1;
  std::string best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int major = std::atoi(entry.path().filename().c_str());
    if (major > best_major && HasInitdb(entry.path() / "bin")) {
      best_major = major;
      best = (entry.path() / "bin").string();
    }
  }
  if (best.empty()) {
    return IoError(
        "no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin); "
        "install the postgresql package");
  }
  return best;
}

// "15.4" from "initdb (PostgreSQL) 15.4 (Debian 15.4-1)", filtered to a safe
// file-name fragment.
Result<std::string> ServerVersion(const std::string& bin_dir) {
  ZS_ASSIGN_OR_RETURN(std::string text, RunChecked({bin_dir + "/initdb", "--version"}));
  std::istringstream words(text);
  std::string word, version;
  while (words >> word) {
    if (word == "(PostgreSQL)") words >> version;
  }
  std::string safe;
  for (char c : version) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') safe.push_back(c);
  }
  if (safe.empty()) return IoError("cannot read the PostgreSQL version from: " + text);
  return safe;
}

// Who runs the server: ourselves, or `postgres` when we are root.
Result<SystemUser> FindServerUser() {
  return ServerSystemUser("postgres",
                          "running as root, but there is no `postgres` system user to run the "
                          "server as (PostgreSQL refuses to run as root)");
}

std::vector<std::string> AsServerUser(const SystemUser& user, std::vector<std::string> argv) {
  if (!user.switch_user) return argv;
  std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status InitDb(const SystemUser& user, const std::string& bin_dir, const std::string& data_dir) {
  return RunChecked(AsServerUser(user, {bin_dir + "/initdb", "-D", data_dir, "-A", "trust", "-U",
                                        "postgres", "--no-sync", "-E", "UTF8", "--locale=C"}))
      .status()
      .WithContext("initdb");
}

// An initdb'd data directory shared by every cluster of this server user and
// version: initdb takes ~1 s, a copy a few ms. Built once under an flock, into
// a temporary directory renamed into place, so readers never see half of it.
Result<std::string> CachedTemplate(const SystemUser& user, const std::string& bin_dir) {
  ZS_ASSIGN_OR_RETURN(std::string version, ServerVersion(bin_dir));
  const std::string cache =
      "/tmp/zeroshift-initdb-cache-" + std::to_string(user.uid) + "-" + version;
  FileDescriptor lock(open((cache + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0) return IoError(ErrnoText("open " + cache + ".lock"));
  while (flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return IoError(ErrnoText("flock " + cache + ".lock"));
  }
  struct stat info {};
  if (stat(cache.c_str(), &info) == 0) {
    // /tmp is shared: only trust a template owned by the server user.
    if (info.st_uid != user.uid) return IoError(cache + " is owned by another user");
    return cache;
  }
  ZS_ASSIGN_OR_RETURN(std::string building, MakeTempDir("/tmp", "zeroshift-initdb-build-"));
  Status status = ChownTree(user, building);
  if (status.ok()) status = InitDb(user, bin_dir, building);
  if (status.ok() && rename(building.c_str(), cache.c_str()) != 0)
    status = IoError(ErrnoText("rename"));
  if (!status.ok()) {
    std::error_code ec;
    fs::remove_all(building, ec);
    return status;
  }
  return cache;
}

// A data directory at `data_dir`: a copy of the cached template, or a fresh
// initdb when the cache is unusable.
Status CreateDataDir(const SystemUser& user, const std::string& bin_dir,
                     const std::string& data_dir) {
  if (Result<std::string> cache = CachedTemplate(user, bin_dir); cache.ok()) {
    // cp -a keeps the template's owner (postgres) and its 0700 mode.
    if (RunChecked({"cp", "-a", *cache, data_dir}).ok()) return Status::Ok();
  }
  return InitDb(user, bin_dir, data_dir);
}

Status AppendConfig(const std::string& data_dir, const std::vector<std::string>& lines) {
  if (lines.empty()) return Status::Ok();
  std::ofstream conf(data_dir + "/postgresql.conf", std::ios::app);
  conf << "\n# ClusterOptions::config_lines\n";
  for (const auto& line : lines) conf << line << "\n";
  conf.close();
  if (!conf) return IoError("cannot append to " + data_dir + "/postgresql.conf");
  return Status::Ok();
}

std::streamoff FileSize(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::streamoff>(size);
}

// Polls `sql` (one boolean) on `url` every 10 ms until it returns true; an
// error after a minute, naming what it waited for. A failed query is retried:
// a server in the middle of a promotion may refuse a connection for a moment.
Status PollUntilTrue(const std::string& url, const std::string& sql, const std::string& what) {
  constexpr int kPolls = 6000;
  std::string last_error;
  std::optional<pg::Connection> conn;
  for (int i = 0; i < kPolls; ++i) {
    if (!conn) {
      Result<pg::Connection> opened = pg::Connection::Open(url);
      if (opened.ok()) conn.emplace(std::move(opened).value());
      if (!opened.ok()) last_error = opened.status().ToString();
    }
    if (conn) {
      Result<pg::Rows> rows = conn->Exec(sql);
      if (rows.ok() && !rows->empty() && rows->GetBool(0, 0)) return Status::Ok();
      if (!rows.ok()) {
        last_error = rows.status().ToString();
        conn.reset();
      }
    }
    usleep(10000);
  }
  return IoError("timed out after a minute waiting for " + what +
                 (last_error.empty() ? "" : " (last error: " + last_error + ")"));
}

bool PortInUse(const std::string& log) {
  return log.find("already in use") != std::string::npos ||
         log.find("could not bind") != std::string::npos ||
         log.find("could not create any TCP/IP sockets") != std::string::npos;
}

}  // namespace

// ---- TempCluster ------------------------------------------------------------

Result<std::unique_ptr<TempCluster>> TempCluster::Start(const ClusterOptions& options) {
  ZS_ASSIGN_OR_RETURN(SystemUser user, FindServerUser());
  // The constructor is private, so make_unique cannot be used; ownership is
  // taken on the spot and the destructor cleans up whatever a failure leaves.
  std::unique_ptr<TempCluster> cluster(new TempCluster());
  cluster->options_ = options;
  cluster->run_as_postgres_ = user.switch_user;
  ZS_ASSIGN_OR_RETURN(cluster->bin_dir_, FindBinDir());
  const char* tmpdir = std::getenv("TMPDIR");
  ZS_ASSIGN_OR_RETURN(cluster->root_dir_,
                      MakeTempDir(tmpdir && *tmpdir ? tmpdir : "/tmp", "zeroshift-cluster-"));
  cluster->data_dir_ = cluster->root_dir_ + "/data";
  cluster->socket_dir_ = cluster->root_dir_ + "/socket";
  cluster->log_file_ = cluster->root_dir_ + "/server.log";
  if (mkdir(cluster->socket_dir_.c_str(), 0700) != 0) return IoError(ErrnoText("mkdir socket dir"));
  ZS_RETURN_IF_ERROR(CreateDataDir(user, cluster->bin_dir_, cluster->data_dir_));
  ZS_RETURN_IF_ERROR(AppendConfig(cluster->data_dir_, options.config_lines));
  ZS_RETURN_IF_ERROR(ChownTree(user, cluster->root_dir_));
  ZS_RETURN_IF_ERROR(cluster->StartServer());
  return cluster;
}

TempCluster::~TempCluster() {
  if (running_ && !StopServer(/*immediate=*/false).ok()) (void)StopServer(/*immediate=*/true);
  if (options_.keep_log && !log_file_.empty()) {
    std::fprintf(stderr, "---- PostgreSQL log %s ----\n%s", log_file_.c_str(),
                 ReadFileFrom(log_file_, 0).c_str());
  }
  if (!root_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(root_dir_, ec);
  }
}

std::vector<std::string> TempCluster::ServerCommand(std::vector<std::string> argv) const {
  return AsServerUser(SystemUser{.name = "postgres", .switch_user = run_as_postgres_},
                      std::move(argv));
}

Status TempCluster::StartServer() {
  std::string last_log;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    // A restart keeps its port (clients hold URLs); only a clash picks another.
    if (port_ == 0 || attempt > 1) {
      ZS_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
    }
    // pg_ctl hands -o to a shell, hence the quotes around the socket path.
    // synchronous_commit stays on: with fsync=off a commit costs one write(),
    // and Restart() (a crash) must not lose commits still in WAL buffers.
    std::string server_options = "-p " + std::to_string(port_) + " -k '" + socket_dir_ +
                                 "' -c listen_addresses=127.0.0.1 -c fsync=off"
                                 " -c full_page_writes=off"
                                 " -c max_connections=200 -c shared_buffers=128MB";
    std::streamoff log_start = FileSize(log_file_);
    ZS_ASSIGN_OR_RETURN(
        CommandOutput out,
        RunCommand(ServerCommand({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", log_file_, "-w",
                                  "-t", "60", "-o", server_options, "start"})));
    if (out.exit_code == 0) {
      running_ = true;
      return Status::Ok();
    }
    last_log = ReadFileFrom(log_file_, log_start);
    if (!PortInUse(last_log)) {
      last_log = out.output + last_log;
      break;
    }
  }
  std::fprintf(stderr, "---- PostgreSQL failed to start; last lines of %s ----\n%s----\n",
               log_file_.c_str(), LastLines(last_log, kLogLinesOnFailure).c_str());
  return IoError("pg_ctl start failed for " + data_dir_ + " (server log: " + log_file_ + ")");
}

Status TempCluster::StopServer(bool immediate) {
  Status status = RunChecked(ServerCommand({bin_dir_ + "/pg_ctl", "-D", data_dir_, "-w", "-t", "60",
                                            "-m", immediate ? "immediate" : "fast", "stop"}))
                      .status();
  if (status.ok()) running_ = false;
  return status;
}

std::string TempCluster::Url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + PercentEncode(database);
}

Result<std::string> TempCluster::CreateDatabase(const std::string& name) {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(Url("postgres")));
  // PostgreSQL 15 defaults to STRATEGY WAL_LOG, which writes the whole template
  // to WAL; FILE_COPY is twice as fast for a tiny template with fsync off.
  std::string strategy = conn.ServerVersion() >= 150000 ? " STRATEGY FILE_COPY" : "";
  ZS_RETURN_IF_ERROR(
      conn.Run("CREATE DATABASE " + pg::QuoteIdent(name) + " TEMPLATE template0" + strategy)
          .WithContext("creating database " + name));
  return Url(name);
}

Status TempCluster::Restart() {
  if (running_) ZS_RETURN_IF_ERROR(StopServer(/*immediate=*/true));
  return StartServer();
}

Result<std::unique_ptr<TempCluster>> TempCluster::StartStandby(
    const StandbyOptions& options) const {
  ZS_ASSIGN_OR_RETURN(SystemUser user, FindServerUser());
  std::unique_ptr<TempCluster> standby(new TempCluster());
  standby->run_as_postgres_ = run_as_postgres_;
  standby->bin_dir_ = bin_dir_;
  const char* tmpdir = std::getenv("TMPDIR");
  ZS_ASSIGN_OR_RETURN(standby->root_dir_,
                      MakeTempDir(tmpdir && *tmpdir ? tmpdir : "/tmp", "zeroshift-standby-"));
  standby->data_dir_ = standby->root_dir_ + "/data";
  standby->socket_dir_ = standby->root_dir_ + "/socket";
  standby->log_file_ = standby->root_dir_ + "/server.log";
  if (mkdir(standby->socket_dir_.c_str(), 0700) != 0) return IoError(ErrnoText("mkdir socket dir"));
  ZS_RETURN_IF_ERROR(ChownTree(user, standby->root_dir_));
  // -R writes standby.signal and primary_conninfo; -X stream copies the WAL
  // needed to reach a consistent state; -c fast checkpoints at once.
  ZS_RETURN_IF_ERROR(
      RunChecked(ServerCommand({bin_dir_ + "/pg_basebackup", "-h", "127.0.0.1", "-p",
                                std::to_string(port_), "-U", "postgres", "-D", standby->data_dir_,
                                "-R", "-X", "stream", "-c", "fast", "--no-sync"}))
          .status()
          .WithContext("pg_basebackup of the primary on port " + std::to_string(port_)));
  ZS_RETURN_IF_ERROR(standby->StartServer());
  if (options.synchronous) {
    // Set once the standby streams: earlier, the primary's own commits
    // (pg_basebackup's checkpoint aside) would wait for a standby not there.
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(Url()));
    // ALTER SYSTEM refuses to run in a (multi-statement) transaction.
    ZS_RETURN_IF_ERROR(conn.Run("ALTER SYSTEM SET synchronous_standby_names = '*'"));
    ZS_RETURN_IF_ERROR(conn.Run("SELECT pg_reload_conf()"));
    ZS_RETURN_IF_ERROR(PollUntilTrue(
        Url(), "SELECT count(*) > 0 FROM pg_stat_replication WHERE sync_state = 'sync'",
        "the standby on port " + std::to_string(standby->port_) + " to become synchronous"));
  }
  return standby;
}

Status TempCluster::Promote() {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(Url()));
  ZS_RETURN_IF_ERROR(conn.Run("SELECT pg_promote(wait => false)")
                         .WithContext("promoting the standby on port " + std::to_string(port_)));
  return PollUntilTrue(Url(), "SELECT NOT pg_is_in_recovery()",
                       "the standby on port " + std::to_string(port_) + " to leave recovery");
}

Status TempCluster::WaitForReplay(const TempCluster& primary) const {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(primary.Url()));
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec("SELECT pg_current_wal_flush_lsn()::text"));
  const std::string lsn = rows.Get(0, 0);
  return PollUntilTrue(
      Url(),
      "SELECT coalesce(pg_last_wal_replay_lsn() >= " + pg::QuoteLiteral(lsn) + "::pg_lsn, false)",
      "the standby on port " + std::to_string(port_) + " to replay up to " + lsn);
}

Status TempCluster::DisconnectFromPrimary() {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(Url()));
  // Since PostgreSQL 13 a reload applies primary_conninfo: the WAL receiver
  // stops, and with no conninfo none starts again.
  ZS_RETURN_IF_ERROR(conn.Run("ALTER SYSTEM SET primary_conninfo = ''"));
  ZS_RETURN_IF_ERROR(conn.Run("SELECT pg_reload_conf()"));
  return PollUntilTrue(
      Url(), "SELECT count(*) = 0 FROM pg_stat_wal_receiver",
      "the WAL receiver of the standby on port " + std::to_string(port_) + " to stop");
}

Status TempCluster::Stop(StopMode mode) {
  if (!running_) return Status::Ok();
  return StopServer(/*immediate=*/mode == StopMode::kCrash);
}

// ---- The shared cluster -----------------------------------------------------

}  // namespace zs::servers
