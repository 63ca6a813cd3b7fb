#include "testing/shared_mariadb.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace zs::testing {

namespace fs = std::filesystem;

namespace {

std::vector<char*> CArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

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
  std::unique_ptr<servers::MariadbServer> server;
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
  stop.remove_argv = CArgv(stop.remove_args);
  g_mariadb_emergency = &stop;
  for (size_t i = 0; i < std::size(kMariadbStopSignals); ++i) {
    g_mariadb_previous_handlers[i] = std::signal(kMariadbStopSignals[i], StopMariadbOnSignal);
  }
}

}  // namespace

servers::MariadbServer& SharedMariadbServer() {
  // `emergency` outlives `holder`, whose destructor disarms the handler.
  static MariadbEmergencyStop emergency;
  static SharedMariadbHolder holder;
  static std::once_flag once;
  std::call_once(once, [] {
    Result<std::unique_ptr<servers::MariadbServer>> started = servers::MariadbServer::Start();
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

}  // namespace zs::testing
