#include "bench/bench_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "migration/parser.h"
#include "pg/quote.h"

extern char** environ;

namespace zs::bench {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double SecondsSince(Clock::time_point start) { return Seconds(Clock::now() - start); }

std::string Verdict(bool met) { return met ? "met" : "missed"; }

FigureResult RunFigure(std::string name, std::string title,
                       const std::function<Status(FigureResult&)>& measure) {
  FigureResult out{.name = std::move(name), .title = std::move(title)};
  out.status = measure(out);
  return out;
}

Result<std::string> Databases::Fresh(const std::string& name) {
  ZS_RETURN_IF_ERROR(Drop(name));
  return cluster_.CreateDatabase(name);
}

Status Databases::Drop(const std::string& name) {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(cluster_.Url("postgres")));
  return conn.Run("DROP DATABASE IF EXISTS " + pg::QuoteIdent(name) + " WITH (FORCE)")
      .WithContext("dropping benchmark database \"" + name + "\"");
}

Result<double> LoadUsers(pg::Connection& conn, long long rows) {
  auto start = Clock::now();
  ZS_RETURN_IF_ERROR(conn.Run("CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL)"));
  // Names "First Last" as in the seed; the numbers vary the lengths and keep
  // the split meaningful (split_part(name, ' ', 2) = "Smith17").
  ZS_RETURN_IF_ERROR(conn.Run(fmt::format(
      "INSERT INTO users (name) SELECT (ARRAY['Alice','Bob','Carol','Dave','Erin','Frank','Grace',"
      "'Heidi'])[1 + g % 8] || ' ' || (ARRAY['Smith','Jones','Brown','Lee','Garcia','Miller',"
      "'Davis','Wilson'])[1 + (g / 8) % 8] || g FROM generate_series(1, {}) AS g",
      rows)));
  // VACUUM refuses to run inside the implicit transaction of a multi-statement string.
  ZS_RETURN_IF_ERROR(conn.Run("VACUUM ANALYZE users"));
  return SecondsSince(start);
}

Status Checkpoint(pg::Connection& conn) { return conn.Run("CHECKPOINT"); }

Result<long long> CountSplitMismatches(pg::Connection& conn) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn.Exec("SELECT count(*) FROM public.users WHERE first_name IS DISTINCT "
                                "FROM split_part(name, ' ', 1) OR last_name IS DISTINCT FROM "
                                "split_part(name, ' ', 2)"));
  return rows.GetInt(0, 0);
}

std::string SplitNamePath(const Config& config) {
  return config.source_dir + "/examples/02_split_name.yaml";
}

Result<migration::Migration> LoadSplitName(const Config& config) {
  return migration::LoadMigrationFile(SplitNamePath(config));
}

namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// posix_spawn file actions that own their handle.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

}  // namespace

Result<ChildRun> RunChild(const std::vector<std::string>& argv, const std::string& log_path) {
  FileActions actions;
  posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  auto start = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], actions.get(), nullptr, args.data(), environ);
  if (rc != 0) {
    errno = rc;
    return IoError(Errno("cannot start " + argv[0]));
  }
  int wstatus = 0;
  rusage usage{};
  while (wait4(pid, &wstatus, 0, &usage) < 0) {
    if (errno != EINTR) return IoError(Errno("waiting for " + argv[0]));
  }
  ChildRun run{.wall_seconds = SecondsSince(start), .max_rss_kb = usage.ru_maxrss};
  if (WIFEXITED(wstatus)) run.exit_code = WEXITSTATUS(wstatus);
  return run;
}

long ProcStatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

namespace {

std::string FirstLineWith(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::string AfterColon(const std::string& line) {
  size_t colon = line.find(':');
  if (colon == std::string::npos) return line;
  size_t start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? "" : line.substr(start);
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

nlohmann::json MachineFacts() {
  utsname uts{};
  uname(&uts);
  long mem_kb = std::atol(AfterColon(FirstLineWith("/proc/meminfo", "MemTotal")).c_str());
  return {{"nproc", std::thread::hardware_concurrency()},
          {"cpu_model", AfterColon(FirstLineWith("/proc/cpuinfo", "model name"))},
          {"memory_gib", std::round(mem_kb / 1024.0 / 1024.0 * 10) / 10},
          {"kernel", std::string(uts.sysname) + " " + uts.release},
          {"load_average_at_start", LoadAverage()},
          {"started_at_utc", UtcNow()}};
}

Result<nlohmann::json> ServerFacts(pg::Connection& conn) {
  ZS_ASSIGN_OR_RETURN(pg::Rows version, conn.Exec("SELECT version()"));
  // current_setting() gives units as people write them ("128MB").
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.Exec("SELECT name, current_setting(name), source FROM pg_settings WHERE source NOT IN "
                "('default', 'override', 'client', 'session') OR name IN ('shared_buffers', "
                "'max_wal_size', 'checkpoint_timeout', 'fsync', 'synchronous_commit', "
                "'full_page_writes', 'wal_level', 'autovacuum', 'work_mem', "
                "'maintenance_work_mem', 'max_connections') ORDER BY name"));
  nlohmann::json settings = nlohmann::json::object();
  for (int r = 0; r < rows.size(); ++r) {
    settings[rows.Get(r, 0)] = {{"setting", rows.Get(r, 1)}, {"source", rows.Get(r, 2)}};
  }
  return nlohmann::json{{"version", version.Get(0, 0)}, {"settings", settings}};
}

LatencySummary Summarize(std::vector<double>& ms) {
  LatencySummary s;
  s.count = static_cast<long long>(ms.size());
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double p) {
    size_t index = static_cast<size_t>(std::ceil(p * ms.size()));
    return ms[std::min(ms.size() - 1, index == 0 ? 0 : index - 1)];
  };
  s.p50_ms = rank(0.50);
  s.p95_ms = rank(0.95);
  s.p99_ms = rank(0.99);
  s.max_ms = ms.back();
  return s;
}

nlohmann::json ToJson(const LatencySummary& s) {
  auto round3 = [](double v) { return std::round(v * 1000) / 1000; };
  return {{"count", s.count},
          {"p50_ms", round3(s.p50_ms)},
          {"p95_ms", round3(s.p95_ms)},
          {"p99_ms", round3(s.p99_ms)},
          {"max_ms", round3(s.max_ms)}};
}

void Say(std::string_view line) { std::cerr << "[bench] " << line << std::endl; }

std::string Thousands(double value) {
  std::string digits = fmt::format("{:.0f}", value);
  bool negative = !digits.empty() && digits[0] == '-';
  if (negative) digits.erase(0, 1);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

}  // namespace zs::bench
