// The peer users would pick on MariaDB, pt-online-schema-change (Debian's
// `percona-toolkit`, which brings the DBI and DBD::mysql Perl modules it
// needs), making a change to the lab's `users` table under the lab's client
// load, measured from the clients' side into the same ScenarioResult as the
// naive scenario (mariadb_scenario.h): client errors by class, the longest
// request, p99, and the tool's total time as one step.
//
// pt-osc copies the table in chunks to a shadow table kept current by AFTER
// INSERT/UPDATE/DELETE triggers, then swaps the two with one atomic RENAME.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "lab/scenario.h"

namespace zs::lab {

struct PtOscOptions {
  std::string url;  // mariadb://.../database of the lab's own; `users` is created there
  long long rows = 1000000;
  int clients = 4;
  int rate = 200;
  std::chrono::milliseconds client_timeout{2000};
  double before_s = 3;
  double after_s = 3;
  // The change, as pt-osc's --alter takes it: the type change.
  std::string alter = "MODIFY COLUMN visits BIGINT NOT NULL DEFAULT 0";
  double chunk_time_s = 0.5;  // pt-osc's --chunk-time (its default)
  std::string program = "pt-online-schema-change";
  std::function<void(const std::string&)> progress;
};

// The argument vector that runs pt-osc on `table` of the URL's database: DSN
// from the URL (S=socket when it names one, else h= and P=), --execute,
// --recursion-method=none (the lab's server has no replicas). kInvalidInput
// for a URL part containing ',' or '=' (a DSN cannot carry it). The password,
// if any, is in the DSN: the command line is never logged.
Result<std::vector<std::string>> PtOscCommand(const std::string& url, const std::string& table,
                                              const std::string& alter, double chunk_time_s,
                                              const std::string& program);

// Loads `users`, runs v1 clients for before_s, pt-osc, after_s more. kNotFound
// (saying which package to install) when the program is not on PATH.
Result<ScenarioResult> RunPtOscScenario(const PtOscOptions& options);

}  // namespace zs::lab
