// The headless comparison behind `zeroshift lab --headless`: the same change
// to a freshly loaded `users` table under the same workload, once as the
// seed's naive script and once as a zeroshift migration through all five
// steps, each measured from the clients' side.
//
// Lock waits are measured by sampling pg_stat_activity every 20 ms for
// workload connections whose wait_event_type is 'Lock' (waits shorter than a
// sample can be missed); the slowest client request overlapping each step is
// measured exactly from the request records.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "lab/chart.h"
#include "lab/metrics.h"
#include "pg/connection.h"

namespace zs::lab {

struct ScenarioOptions {
  std::string admin_conninfo;  // the server; the lab creates and drops its own databases there
  std::string database_prefix = "zeroshift_lab";
  long long rows = 1000000;
  int clients = 4;
  int rate = 200;  // total requests per second, 0 = as fast as they go
  std::chrono::milliseconds client_timeout{2000};
  double before_s = 3;  // workload alone before the change
  double settle_s = 3;  // expand-contract: v2 clients running before contract
  double after_s = 4;   // workload after the change
  std::string migration_file = "examples/02_split_name.yaml";
  // > 0: the fixed schedule of this many rows; 0: the user's default backfill
  // (LabBackfillOptions, scenario_frame.h).
  int backfill_batch_size = 0;
  std::function<void(const std::string&)> progress;  // one line per stage, for the terminal
};

// The slowest request of a step and what the server was doing while it ran,
// from the samples taken during it (lock_sampler.h's MeasureSteps).
struct SlowestRequest {
  bool found = false;  // false: no request overlapped the step
  double start_s = 0;  // when it began, on the workload's clock
  double ms = 0;
  std::string kind;  // "read", "update", "insert"
  bool ok = true;
  int samples = 0;  // samples taken while it ran
  // What those samples saw, each line with the number of samples that saw it,
  // most often seen first ("2 clients waiting on Lock:transactionid", 3).
  std::vector<std::pair<std::string, int>> seen;
  std::string explanation;  // one sentence for the report and the terminal
};

struct StepResult {
  std::string name;
  std::string sql;  // the naive script's statement; empty for engine steps
  double start_s = 0;
  double duration_ms = 0;
  double lock_wait_ms = 0;      // client time spent waiting for locks (sum over clients)
  double max_lock_wait_ms = 0;  // the longest single lock wait observed
  double max_request_ms = 0;    // the slowest request in flight during the step
  double max_read_ms = 0;       // the slowest read by id in flight during the step
  double max_write_ms = 0;      // the slowest update or insert in flight during the step
  SlowestRequest slowest;       // the request behind max_request_ms, explained
};

struct ScenarioResult {
  std::string name;  // "naive" or "expand-contract"
  Summary summary;
  std::vector<StepResult> steps;
  std::map<std::string, long long> errors_by_message;
  std::map<std::string, long long> errors_by_class;  // backend::ErrorClassName -> failed requests
  double load_s = 0;
};

class Workload;

// Times the steps of the engine's start and complete from its on_phase hook,
// on the workload's clock.
class PhaseClock {
 public:
  explicit PhaseClock(const Workload& workload) : workload_(workload) {}
  void Enter(std::string_view phase);  // closes the step before, opens `phase`
  void CloseLast();
  std::vector<StepResult> Take();  // the steps so far, and forgets them

 private:
  void Close(double now);
  const Workload& workload_;
  std::mutex mu_;
  std::vector<StepResult> steps_;
};

// Moves every client to v2 on `version` and waits until each has made a
// request there (kShiftDeadlineSeconds at most): the "shift_reads" step.
Result<StepResult> ShiftClients(Workload& workload, const std::string& version);

struct NaiveStatement {
  const char* name;
  const char* sql;
};
// The seed's script, statement for statement as the article prints it.
const std::vector<NaiveStatement>& NaiveScript();

// Runs BEGIN, the seed's script and COMMIT on `conn` (search_path public),
// timing each statement with `now` (seconds); `on_step` sees each step begin
// (finished = false) and end. On failure the transaction is rolled back.
Status RunNaiveScript(pg::Connection& conn, const std::function<double()>& now,
                      const std::function<void(const StepResult&, bool finished)>& on_step,
                      std::vector<StepResult>& steps);

Result<ScenarioResult> RunNaiveScenario(const ScenarioOptions& options);
Result<ScenarioResult> RunExpandContractScenario(const ScenarioOptions& options);

struct Comparison {
  nlohmann::json setup;  // rows, clients, rate, postgres_version, machine_cores, methods
  std::vector<ScenarioResult> scenarios;
  // What the figures of this run say about the outage, one paragraph each
  // (MariaDB: mariadb_comparison.h); written to the report as "notes".
  std::vector<std::string> notes;
};

// Both scenarios, naive first, each on its own freshly loaded database.
Result<Comparison> RunComparison(const ScenarioOptions& options);

// {"setup": {...}, "scenarios": [{"name", "requests", "errors", ..., "steps": [...]}]}
nlohmann::json ReportJson(const Comparison& comparison);
// The side-by-side table printed on the terminal.
std::string ReportTable(const Comparison& comparison);
// One chart panel per scenario.
std::vector<ChartPanel> ReportChart(const Comparison& comparison);

}  // namespace zs::lab
