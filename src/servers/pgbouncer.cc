#include "servers/pgbouncer.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "servers/process.h"

namespace zs::servers {

namespace {

constexpr char kPgBouncer[] = "/usr/sbin/pgbouncer";
constexpr int kPgBouncerStartAttempts = 5;
constexpr auto kPgBouncerReadyTimeout = std::chrono::seconds(30);
constexpr auto kPgBouncerStopTimeout = std::chrono::seconds(10);
constexpr auto kPgBouncerPollInterval = std::chrono::milliseconds(20);

// The pid's exit code once it has exited; -1 while it runs.
int PgBouncerExitCode(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool PgBouncerPortClash(const std::string& log) {
  return log.find("Address already in use") != std::string::npos;
}

// An auth-file entry: "name" "" (trust ignores the password; '"' doubles).
std::string AuthFileLine(const std::string& user) {
  std::string quoted = "\"";
  for (char c : user) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\" \"\"";
}

}  // namespace

Result<std::unique_ptr<PgBouncer>> PgBouncer::Start(const PgBouncerOptions& options) {
  if (access(kPgBouncer, X_OK) != 0) {
    return IoError(std::string("no PgBouncer at ") + kPgBouncer +
                   ": install the pgbouncer package (scripts/setup-debian.sh)");
  }
  if (options.server_port <= 0) return InvalidInput("PgBouncer needs the server's port");
  ZS_ASSIGN_OR_RETURN(
      SystemUser user,
      ServerSystemUser("postgres",
                       "running as root, but there is no `postgres` system user to run "
                       "pgbouncer as (it refuses root; the postgresql package creates the user)"));
  // The constructor is private: ownership is taken on the spot, and the
  // destructor cleans up whatever a failure leaves.
  std::unique_ptr<PgBouncer> bouncer(new PgBouncer());
  bouncer->options_ = options;
  ZS_ASSIGN_OR_RETURN(bouncer->root_dir_, MakeTempDir(TempParent(), "zeroshift-pgbouncer-"));
  bouncer->config_file_ = bouncer->root_dir_ + "/pgbouncer.ini";
  bouncer->log_file_ = bouncer->root_dir_ + "/pgbouncer.log";
  std::string log;
  for (int attempt = 1; attempt <= kPgBouncerStartAttempts; ++attempt) {
    ZS_ASSIGN_OR_RETURN(bouncer->port_, FreeLoopbackPort());
    ZS_RETURN_IF_ERROR(bouncer->WriteConfig());
    ZS_RETURN_IF_ERROR(ChownTree(user, bouncer->root_dir_));
    ZS_RETURN_IF_ERROR(bouncer->Spawn(user.switch_user));
    Status ready = bouncer->WaitUntilReady();
    if (ready.ok()) return bouncer;
    log = ReadFileFrom(bouncer->log_file_);
    if (bouncer->pid_ > 0 || !PgBouncerPortClash(log)) {
      std::fprintf(stderr, "---- pgbouncer failed to start; last lines of %s ----\n%s----\n",
                   bouncer->log_file_.c_str(), LastLines(log, 40).c_str());
      return ready;
    }
  }
  return IoError(fmt::format("pgbouncer found no free port in {} attempts (log: {})",
                             kPgBouncerStartAttempts, bouncer->log_file_));
}

Status PgBouncer::WriteConfig() const {
  std::ofstream users(root_dir_ + "/users.txt", std::ios::trunc);
  for (const std::string& user : options_.users) users << AuthFileLine(user) << "\n";
  users.close();
  std::ofstream ini(config_file_, std::ios::trunc);
  ini << "[databases]\n";
  for (const std::string& line : options_.database_lines) ini << line << "\n";
  ini << fmt::format("* = host={} port={}\n", options_.server_host, options_.server_port);
  ini << "[pgbouncer]\n"
      << "listen_addr = 127.0.0.1\n"
      << "listen_port = " << port_ << "\n"
      << "unix_socket_dir = " << root_dir_ << "\n"
      << "auth_type = trust\n"
      << "auth_file = " << root_dir_ << "/users.txt\n"
      << "pool_mode = " << options_.pool_mode << "\n"
      << "admin_users = " << (options_.users.empty() ? "postgres" : options_.users.front()) << "\n"
      << "max_client_conn = 200\n"
      << "default_pool_size = 20\n";
  for (const std::string& line : options_.config_lines) ini << line << "\n";
  ini.close();
  if (!users || !ini) return IoError("cannot write the PgBouncer configuration in " + root_dir_);
  return Status::Ok();
}

Status PgBouncer::Spawn(bool switch_user) {
  std::vector<std::string> argv = {kPgBouncer};
  if (switch_user) argv.insert(argv.end(), {"-u", "postgres"});
  argv.push_back(config_file_);
  // Its log goes to stderr (no `logfile` setting): truncated per attempt.
  FileDescriptor log(open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (log.get() < 0) return IoError(ErrnoText("open " + log_file_));
  ZS_ASSIGN_OR_RETURN(pid_, SpawnInRoot(argv, log.get()));
  return Status::Ok();
}

// Polls the admin console until it accepts a connection (a connection to it
// needs no PostgreSQL server); pid_ becomes -1 when pgbouncer exits first.
Status PgBouncer::WaitUntilReady() {
  const std::string console = fmt::format("host=127.0.0.1 port={} dbname=pgbouncer user={}", port_,
                                          options_.users.empty() ? "postgres" : options_.users[0]);
  auto deadline = std::chrono::steady_clock::now() + kPgBouncerReadyTimeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (int code = PgBouncerExitCode(pid_); code >= 0) {
      pid_ = -1;
      return IoError(
          fmt::format("pgbouncer exited with {} while starting (log: {})", code, log_file_));
    }
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(console.c_str()), PQfinish);
    if (conn && PQstatus(conn.get()) == CONNECTION_OK) return Status::Ok();
    if (conn) last = PQerrorMessage(conn.get());
    std::this_thread::sleep_for(kPgBouncerPollInterval);
  }
  return IoError(fmt::format("pgbouncer did not accept connections within {} s: {} (log: {})",
                             kPgBouncerReadyTimeout.count(), last, log_file_));
}

void PgBouncer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);  // immediate shutdown: clients are dropped
  auto deadline = std::chrono::steady_clock::now() + kPgBouncerStopTimeout;
  while (PgBouncerExitCode(pid_) < 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      (void)WaitForExitCode(pid_);
      break;
    }
    std::this_thread::sleep_for(kPgBouncerPollInterval);
  }
  pid_ = -1;
}

PgBouncer::~PgBouncer() {
  Stop();
  if (options_.keep_log && !log_file_.empty()) {
    std::fprintf(stderr, "---- PgBouncer log %s ----\n%s", log_file_.c_str(),
                 ReadFileFrom(log_file_).c_str());
  }
  if (!root_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(root_dir_, ec);
  }
}

std::string PgBouncer::Url(const std::string& database, const std::string& user) const {
  return fmt::format("postgresql://{}@127.0.0.1:{}/{}", PercentEncode(user), port_,
                     PercentEncode(database));
}

}  // namespace zs::servers
