#include "testing/shared_cluster.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace zs::testing {

namespace fs = std::filesystem;

namespace {

// Commands for the signal handler, prepared in advance: a handler may only
// call async-signal-safe functions (fork, execv, waitpid), not allocate.
struct EmergencyStop {
  std::vector<std::string> stop_args;
  std::vector<std::string> remove_args;
  std::vector<char*> stop_argv;
  std::vector<char*> remove_argv;
};
EmergencyStop* g_emergency = nullptr;  // not owning; points into SharedHolder

void RunFromSignalHandler(char* const* argv) {
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  if (pid > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

void StopOnSignal(int sig) {
  if (EmergencyStop* stop = g_emergency) {
    g_emergency = nullptr;
    RunFromSignalHandler(stop->stop_argv.data());
    RunFromSignalHandler(stop->remove_argv.data());
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<char*> CArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

// Owns the shared cluster. Its static destructor stops the server at normal
// exit, but only in the process that started it (not in a forked child).
struct SharedHolder {
  std::unique_ptr<TempCluster> cluster;
  pid_t owner = getpid();
  EmergencyStop emergency;

  ~SharedHolder() {
    g_emergency = nullptr;
    if (getpid() != owner) (void)cluster.release();  // the parent still owns the server
  }
};

void InstallSignalHandlers(SharedHolder& holder, const std::vector<std::string>& stop_command) {
  holder.emergency.stop_args = stop_command;
  holder.emergency.remove_args = {"rm", "-rf", fs::path(holder.cluster->data_dir()).parent_path()};
  holder.emergency.stop_argv = CArgv(holder.emergency.stop_args);
  holder.emergency.remove_argv = CArgv(holder.emergency.remove_args);
  g_emergency = &holder.emergency;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, StopOnSignal);
}

}  // namespace

TempCluster& SharedCluster() {
  static SharedHolder holder;
  static std::once_flag once;
  std::call_once(once, [] {
    Result<std::unique_ptr<TempCluster>> started = TempCluster::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "FATAL: cannot start the shared test PostgreSQL cluster: %s\n",
                   started.status().ToString().c_str());
      std::abort();
    }
    holder.cluster = std::move(started).value();
    const TempCluster& c = *holder.cluster;
    InstallSignalHandlers(holder, c.ServerCommand({c.bin_dir() + "/pg_ctl", "-D", c.data_dir(),
                                                   "-m", "immediate", "stop"}));
  });
  return *holder.cluster;
}

std::string FreshDatabaseUrl() {
  static std::atomic<int> counter{0};
  std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  Result<std::string> url = SharedCluster().CreateDatabase(name);
  if (!url.ok()) {
    std::fprintf(stderr, "FATAL: cannot create test database %s: %s\n", name.c_str(),
                 url.status().ToString().c_str());
    std::abort();
  }
  return *url;
}

}  // namespace zs::testing
