// Shared pieces of the benchmark harness (`make bench`): the run's
// configuration, the result record each figure fills, the seed's users table,
// child processes with their peak memory, machine and server facts, and
// latency percentiles. Every number a figure reports is measured here or in
// the figure; nothing is modelled.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "migration/migration.h"
#include "pg/connection.h"
#include "servers/temp_cluster.h"

namespace zs::bench {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start);
double Seconds(Clock::duration d);

struct Config {
  bool quick = false;
  std::string out_dir;      // where <figure>.json and summary.md go
  std::string source_dir;   // the repository: examples/02_split_name.yaml
  std::string self_binary;  // this executable, re-run as a child per scaling point
  std::string command;      // how this run was invoked, for the summary
};

// One line of summary.md.
struct SummaryRow {
  std::string figure;
  std::string setup;
  std::string measured;
  std::string goal;
  std::string verdict;  // "met", "missed", "not measured" or "-" (no goal)
};

// What one figure produced: everything measured (written to <name>.json) and
// its lines of the summary table.
struct FigureResult {
  std::string name;
  std::string title;
  nlohmann::json data = nlohmann::json::object();
  std::vector<SummaryRow> rows;
  Status status;  // not ok: the figure stopped; data holds what was measured before
};

std::string Verdict(bool met);

// Runs `measure` into a FigureResult named `name`, keeping its Status.
FigureResult RunFigure(std::string name, std::string title,
                       const std::function<Status(FigureResult&)>& measure);

// The cluster every figure runs on, and a fresh database per figure.
class Databases {
 public:
  explicit Databases(servers::TempCluster& cluster) : cluster_(cluster) {}
  // Creates (after dropping any leftover) database `name`; returns its URL.
  Result<std::string> Fresh(const std::string& name);
  // Drops `name`, disconnecting anyone still on it, to give its disk back.
  Status Drop(const std::string& name);
  servers::TempCluster& cluster() { return cluster_; }

 private:
  servers::TempCluster& cluster_;
};

// The seed's table: users(id bigserial primary key, name text not null) with
// `rows` names "First Last", loaded with INSERT ... SELECT generate_series
// (logged, as a real table is), then VACUUM ANALYZE so every run starts from
// the same visibility state. Returns the seconds the load took.
Result<double> LoadUsers(pg::Connection& conn, long long rows);

// CHECKPOINT, so the WAL a load wrote is not flushed during the next timing.
Status Checkpoint(pg::Connection& conn);

// Rows whose first_name/last_name differ from split_part(name): 0 after a
// complete backfill. A figure that times a wrong result reports nothing.
Result<long long> CountSplitMismatches(pg::Connection& conn);

std::string SplitNamePath(const Config& config);
Result<migration::Migration> LoadSplitName(const Config& config);

struct ChildRun {
  int exit_code = -1;  // -1 when killed by a signal
  double wall_seconds = 0;
  long max_rss_kb = 0;  // ru_maxrss of the child (wait4): its peak resident memory
};

// Runs argv (argv[0] a path) with stdout and stderr written to `log_path`,
// waits for it and reports its wall time and peak RSS.
Result<ChildRun> RunChild(const std::vector<std::string>& argv, const std::string& log_path);

// This process's peak and current resident memory from /proc/self/status
// (VmHWM, VmRSS), in kB; 0 when unreadable.
long ProcStatusKb(const std::string& field);

// nproc, CPU model, memory, kernel, load average, time.
nlohmann::json MachineFacts();
// "0.52 0.61 0.70": other work on the machine shares the CPU.
std::string LoadAverage();
// server_version, and every setting not at its built-in default.
Result<nlohmann::json> ServerFacts(pg::Connection& conn);

struct LatencySummary {
  long long count = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};
// Nearest-rank percentiles of `ms` (sorted in place).
LatencySummary Summarize(std::vector<double>& ms);
nlohmann::json ToJson(const LatencySummary& s);

// Prints one progress line to stderr: "[bench] <line>".
void Say(std::string_view line);

// "1234567" -> "1,234,567": figures are read by people.
std::string Thousands(double value);

}  // namespace zs::bench
