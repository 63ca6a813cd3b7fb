// The seed's naive script on MariaDB under the lab's client load, measured
// from the clients' side into the same ScenarioResult the PostgreSQL naive
// scenario gives (scenario.h).
//
// MariaDB's outage differs from PostgreSQL's (../shared/design/mariadb.md,
// "The seed's naive script on MariaDB"): BEGIN has no effect on DDL (each
// ALTER commits), so the script is not atomic; the full-table UPDATE takes row
// locks, not a table lock, so reads by id stay up while writes to rows it has
// locked wait for it (lock waits, counted per step); DROP COLUMN needs the
// exclusive metadata lock for a moment, and from then on every v1 client
// fails with 1054, unknown column (class "undefined column").
//
// Lock waits are sampled every 150 ms from information_schema: client
// sessions whose InnoDB transaction is in LOCK WAIT (row locks) or whose
// PROCESSLIST state is "Waiting for ... lock" (metadata locks). Not faster:
// INNODB_TRX is a cache InnoDB refills only after 100 ms without a reader.
// Waits shorter than a sample can be missed.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "lab/scenario.h"
#include "mysql/connection.h"

namespace zs::lab {

struct MariadbScenarioOptions {
  // mariadb://.../database: a database of the lab's own (a throwaway server's,
  // or testing::FreshMariadbDatabaseUrl()); the scenario creates `users` there.
  std::string url;
  long long rows = 1000000;
  int clients = 4;
  int rate = 200;  // total requests per second, 0 = as fast as they go
  std::chrono::milliseconds client_timeout{2000};
  double before_s = 3;  // workload alone before the change
  double settle_s = 3;  // expand-contract: v2 clients running before contract
  double after_s = 4;   // workload after the change
  // expand-contract: the seed's split in MariaDB's SQL.
  std::string migration_file = "examples/mariadb/02_split_name.yaml";
  // > 0: the fixed schedule of this many rows; 0: the user's default backfill
  // (LabBackfillOptions, scenario_frame.h).
  int backfill_batch_size = 0;
  std::function<void(const std::string&)> progress;  // one line per stage, for the terminal
  // Sees each step of the script begin (finished = false, just before its
  // statement is sent) and end, on the script's thread.
  std::function<void(const StepResult&, bool finished)> on_step;
};

// The seed's script in MariaDB's dialect (SUBSTRING_INDEX for split_part),
// statement for statement; BEGIN is sent first, as the seed's script does.
const std::vector<NaiveStatement>& MariadbNaiveScript();

// Runs BEGIN and MariadbNaiveScript() on `conn` (its database selected),
// timing each statement with `now` (seconds). Stops at the first failure: what
// ran before stays (DDL committed it).
Status RunMariadbNaiveScript(mysql::Connection& conn, const std::function<double()>& now,
                             const std::function<void(const StepResult&, bool finished)>& on_step,
                             std::vector<StepResult>& steps);

// Loads `users`, runs v1 clients for before_s, the naive script, after_s more.
Result<ScenarioResult> RunMariadbNaiveScenario(const MariadbScenarioOptions& options);

// Loads `users`, runs v1 clients for before_s, then zeroshift's five steps:
// start (expand, dual write, backfill) with v1 clients, every client moved to
// v2 (USE the version database, SET @zeroshift_version), settle_s, complete
// (contract); after_s more.
Result<ScenarioResult> RunMariadbExpandContractScenario(const MariadbScenarioOptions& options);

}  // namespace zs::lab
