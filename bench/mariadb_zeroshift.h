// zeroshift's side of figure 6 (issue 17): the same change as the peer
// (ptosc_bench.cc), on the same kind of throwaway MariaDB, the same 1 M-row
// lab `users` table and the same v1 client load (lab::Workload: 4 clients,
// 200 requests/s), measured from the clients' side the same way: client
// errors, the longest request, p99, and the change's total time. Beside it,
// the single naive UPDATE computing the same values on an identical table
// under the same load: the bulk speed a backfill is measured against.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/bench_util.h"
#include "core/status.h"
#include "lab/metrics.h"
#include "mysql/connection.h"
#include "servers/mariadb_server.h"

namespace zs::bench {

// Figure 6's server, the same for every side: production-like settings
// (bench/README.md §6 says why and what MariaDB's documentation recommends),
// not the tests' small throwaway server (64 MB buffer pool, 8 MB redo log,
// no binary log, flush at commit every second).
servers::MariadbServerOptions Figure6ServerOptions();

// CPU seconds (user + system) process `pid` has used so far, from
// /proc/<pid>/stat; -1 when it cannot be read. On a shared machine the
// server's CPU time for a change moves far less with the load than the
// change's wall time does.
double ProcessCpuSeconds(pid_t pid);

// The settings that decide how fast a change writes, as the running server at
// `url` reports them: printed in the figure's facts, per side.
Result<nlohmann::json> MariadbWriteSettings(const std::string& url);

struct MariadbLoadSetup {
  long long rows = 1'000'000;
  int clients = 4;
  int rate = 200;  // requests per second, all clients together
  std::chrono::milliseconds client_timeout{2000};
  double before_s = 3;  // clients alone before the change
  double after_s = 3;   // and after it
  servers::MariadbServerOptions server = Figure6ServerOptions();
};

// What the clients saw around one change, and how long it took.
struct MariadbChangeRun {
  double total_ms = 0;                      // the whole change, as the clients' clock saw it
  double longest_during_ms = 0;             // the slowest request in flight during the change
  double backfill_s = 0;                    // time spent writing the rows (backfill or UPDATE)
  long long backfill_rows = 0;              // rows written in that time
  std::map<std::string, double> phases_ms;  // "start", "complete", "update"
  lab::Summary summary;                     // every request of the run
  std::map<std::string, long long> errors_by_class;
  std::map<std::string, long long> errors_by_message;
  double load_s = 0;
  nlohmann::json server_settings;  // MariadbWriteSettings of the side's server
  // mariadbd's CPU seconds from the change's start until the clients stop
  // (the change and after_s): the server's work for it, load aside.
  double server_cpu_s = 0;
  // Set by the runner as the change begins; the change stamps its engine's
  // phases ("phase:backfill") against it, so the slowest request can be
  // placed in the change (longest_at_ms, from the same moment).
  Clock::time_point began{};
  std::vector<std::pair<std::string, double>> events_ms;
  double longest_at_ms = 0;
  // Set by the runner: moves the clients to `version` (the v2 clients USE it
  // and set @zeroshift_version, as the lab's do) and returns once every one
  // has finished a request there, or an error naming the version.
  std::function<Status(const std::string& version)> shift_clients;

  double RowsPerSecond() const { return backfill_s > 0 ? backfill_rows / backfill_s : 0; }
  nlohmann::json ToJson() const;
};

// The change: runs on its own connection while the clients run, filling
// `run`'s phases and backfill fields. `url` names the table's database.
using MariadbChange = std::function<Status(const std::string& url, MariadbChangeRun& run)>;

// A fresh throwaway MariaDB (servers::MariadbServer of setup.server), the
// lab's `users` of setup.rows rows in database `database`, the v1 clients for
// before_s, `change`, after_s more; then `check` (a query answering one
// number, 0 when the change left every row right) must answer 0, or the run
// is an error naming what was wrong: a figure never times a wrong result.
Result<MariadbChangeRun> RunMariadbChangeUnderLoad(const MariadbLoadSetup& setup,
                                                   const std::string& database,
                                                   const MariadbChange& change,
                                                   const std::string& check,
                                                   const std::string& label);

// The changes. zeroshift start (and complete) of the migration file, with
// the CLI's default backfill options. `shift` (with `complete`): the clients
// move to the new version after start, before complete, as the lab's do; a
// change that drops what v1 reads needs it.
MariadbChange ZeroshiftChange(std::string migration_file, bool complete, bool shift = false);
// The naive way: `add_columns` (INSTANT DDL, not timed as the backfill),
// then one `update` statement over the whole table.
MariadbChange NaiveUpdateChange(std::string add_columns, std::string update);

}  // namespace zs::bench
