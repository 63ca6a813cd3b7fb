// What the PostgreSQL scenarios (scenario.cc) and the MariaDB ones
// (mariadb_scenario.cc, mariadb_comparison.cc) share: the frame around the
// change (load users, start the v1 clients and the lock sampler, wait
// before_s, run the change, wait after_s, then the figures) and the setup
// both reports begin with. Only what differs per database is passed in.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backfill/backfill.h"
#include "core/status.h"
#include "lab/lock_sampler.h"
#include "lab/scenario.h"
#include "lab/workload.h"
#include "migration/migration.h"

namespace zs::lab {

// The figures of a run both databases' options have.
struct ScenarioShape {
  long long rows = 0;
  int clients = 0;
  int rate = 0;
  std::chrono::milliseconds client_timeout{0};
  double before_s = 0;
  double settle_s = 0;
  double after_s = 0;
  int backfill_batch_size = 0;  // the lab's --backfill-batch-size; 0: not given
};

// The backfill the lab's zeroshift side runs: the one a user gets from
// `zeroshift start` without backfill flags (backfill::DefaultBackfillOptions,
// the CLI's flag defaults). `batch_size_override` > 0 (the lab's
// --backfill-batch-size) asks, as the CLI's --backfill-batch-size does, for
// the fixed schedule of that many rows per batch: no adaptation, no pacing,
// one session.
backfill::Options LabBackfillOptions(int batch_size_override);
// The report's setup.backfill: which options ran and where they came from.
nlohmann::json LabBackfillSetup(int batch_size_override);

// ScenarioOptions or MariadbScenarioOptions: their shared fields.
template <class Options>
ScenarioShape ShapeOf(const Options& options) {
  return {.rows = options.rows,
          .clients = options.clients,
          .rate = options.rate,
          .client_timeout = options.client_timeout,
          .before_s = options.before_s,
          .settle_s = options.settle_s,
          .after_s = options.after_s,
          .backfill_batch_size = options.backfill_batch_size};
}

// The report's "setup": the shape, the client mix, the machine and how the
// figures were measured (`lock_wait_method` is the database's). The caller
// adds the server's version under its database's key.
nlohmann::json ComparisonSetup(const ScenarioShape& shape, const std::string& lock_wait_method);

// What the frame does differently on each database.
struct ScenarioFrame {
  std::string name;     // "naive" or "expand-contract": the result's name
  std::string label;    // how progress lines name it: "naive", "naive (MariaDB)"
  std::string context;  // what a failed change is said to be: "scenario naive on MariaDB"
  ScenarioShape shape;
  std::function<void(const std::string&)> progress;  // may be empty
  // The clients: conninfo, clients, rate, id_range, timeout and backend.
  WorkloadOptions workload;
  // Fills the database's users table (run first, timed as load_s).
  std::function<Status()> load_users;
  // Opens the sampler's own connection: what it polls for the clients' lock waits.
  std::function<Result<std::function<Result<LockProbe>()>>(const Workload&)> open_lock_probe;
  std::chrono::milliseconds sample_interval = kLockSampleInterval;
};

// Runs the frame around `change`, which appends its steps on the workload's clock.
Result<ScenarioResult> RunScenarioFrame(
    const ScenarioFrame& frame,
    const std::function<Status(Workload&, std::vector<StepResult>&)>& change);

// zeroshift's five steps, as both databases' expand-contract scenario runs
// them on `url`: start (expand, dual write, backfill) with v1 clients, every
// client moved to v2, settle_s, complete (contract), each timed on the
// workload's clock into `steps`.
struct ExpandContractSteps {
  std::string url;
  std::string label;  // how progress lines name the scenario
  const migration::Migration* migration = nullptr;
  int backfill_batch_size = 0;  // > 0: LabBackfillOptions' override
  double settle_s = 0;
  std::function<void(const std::string&)> progress;  // may be empty
  // How the clients reach `version` schema, for the progress line: "(<version>)".
  std::function<std::string(const std::string& version)> describe_shift;
};
Status RunExpandContractSteps(const ExpandContractSteps& run, Workload& workload,
                              std::vector<StepResult>& steps);

}  // namespace zs::lab
