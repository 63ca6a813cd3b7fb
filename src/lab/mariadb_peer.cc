#include "lab/mariadb_peer.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "lab/mariadb_users_table.h"
#include "lab/workload.h"
#include "mysql/connection.h"

namespace zs::lab {

namespace {

using PeerClock = std::chrono::steady_clock;

// A DSN value cannot carry the DSN's own separators.
Status PeerCheckDsnPart(const std::string& what, const std::string& value) {
  if (value.find_first_of(",=") == std::string::npos) return Status::Ok();
  return InvalidInput(fmt::format(
      "the MariaDB URL's {} contains ',' or '=', which a pt-online-schema-change DSN cannot "
      "carry: use a {} without them",
      what, what));
}

bool PeerProgramOnPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The last `max` bytes of a file, for an error message.
std::string PeerFileTail(const std::string& path, size_t max) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

// Runs `argv` with stdout and stderr to `log_path`; its exit status.
Result<int> PeerRunCommand(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Internal("cannot fork to run " + argv[0]);
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return Internal("waiting for " + argv[0] + " failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void PeerSleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace

Result<std::vector<std::string>> PtOscCommand(const std::string& url, const std::string& table,
                                              const std::string& alter, double chunk_time_s,
                                              const std::string& program) {
  ZS_ASSIGN_OR_RETURN(mysql::ConnectParams params, mysql::ParseUrl(url));
  if (params.database.empty()) {
    return InvalidInput("the MariaDB URL names no database: add /database to the mariadb:// URL");
  }
  ZS_RETURN_IF_ERROR(PeerCheckDsnPart("user", params.user));
  ZS_RETURN_IF_ERROR(PeerCheckDsnPart("password", params.password.value_or("")));
  ZS_RETURN_IF_ERROR(PeerCheckDsnPart("host", params.host));
  ZS_RETURN_IF_ERROR(PeerCheckDsnPart("socket", params.socket));
  ZS_RETURN_IF_ERROR(PeerCheckDsnPart("database", params.database));
  std::string dsn = fmt::format("D={},t={}", params.database, table);
  if (!params.user.empty()) dsn += ",u=" + params.user;
  if (params.password) dsn += ",p=" + *params.password;
  dsn += params.socket.empty() ? fmt::format(",h={},P={}", params.host, params.port)
                               : ",S=" + params.socket;
  return std::vector<std::string>{program,
                                  "--alter",
                                  alter,
                                  "--execute",
                                  "--recursion-method=none",
                                  fmt::format("--chunk-time={:g}", chunk_time_s),
                                  dsn};
}

Result<ScenarioResult> RunPtOscScenario(const PtOscOptions& options) {
  if (!PeerProgramOnPath(options.program)) {
    return NotFound(fmt::format(
        "{} is not on PATH: install Debian's percona-toolkit (apt-get install percona-toolkit)",
        options.program));
  }
  ZS_ASSIGN_OR_RETURN(
      std::vector<std::string> command,
      PtOscCommand(options.url, "users", options.alter, options.chunk_time_s, options.program));
  ScenarioResult result;
  result.name = "pt-online-schema-change";
  if (options.progress) options.progress(fmt::format("pt-osc: loading {} rows", options.rows));
  auto load_start = PeerClock::now();
  {
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(options.url));
    ZS_RETURN_IF_ERROR(MariadbLoadUsers(conn, options.rows));
  }
  result.load_s = std::chrono::duration<double>(PeerClock::now() - load_start).count();

  Workload workload({.conninfo = options.url,
                     .clients = options.clients,
                     .rate = options.rate,
                     .id_range = std::max(1LL, options.rows),
                     .timeout = options.client_timeout,
                     .backend = backend::Kind::kMariadb});
  workload.Start();
  PeerSleepSeconds(options.before_s);
  if (options.progress) options.progress("pt-osc: " + options.alter);
  std::string log_path = fmt::format("/tmp/zeroshift-ptosc-{}.log", getpid());
  StepResult step{.name = "pt-online-schema-change", .start_s = workload.Now()};
  Result<int> exit_code = PeerRunCommand(command, log_path);
  step.duration_ms = (workload.Now() - step.start_s) * 1000.0;
  std::string tail = PeerFileTail(log_path, 1500);
  std::remove(log_path.c_str());
  if (!exit_code.ok()) return exit_code.status();
  if (*exit_code != 0) {
    return Internal(fmt::format("{} exited with status {}; its output ended with:\n{}",
                                options.program, *exit_code, tail));
  }
  result.steps.push_back(step);
  PeerSleepSeconds(options.after_s);
  workload.Stop();
  std::vector<RequestRecord> records = workload.Records();
  result.summary = Summarize(records, 0, workload.Now());
  result.errors_by_message = workload.ErrorCounts();
  for (const auto& [error_class, count] : workload.ErrorClassCounts()) {
    result.errors_by_class[std::string(backend::ErrorClassName(error_class))] += count;
  }
  for (const RequestRecord& r : records) {
    double end = step.start_s + step.duration_ms / 1000.0;
    if (r.start_s <= end && r.end_s() >= step.start_s) {
      result.steps[0].max_request_ms = std::max(result.steps[0].max_request_ms, r.latency_ms);
    }
  }
  return result;
}

}  // namespace zs::lab
