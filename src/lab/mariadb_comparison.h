// The headless comparison on MariaDB behind `zeroshift lab --db mariadb
// --headless`: the seed's naive script and zeroshift's five steps, each on a
// freshly loaded `users` in a database of its own under the same v1 client
// load, into the same Comparison the PostgreSQL lab reports (scenario.h), with
// notes that explain the outage from this run's own figures.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "lab/mariadb_scenario.h"
#include "lab/scenario.h"

namespace zs::lab {

struct MariadbComparisonOptions {
  // Everything but `url`, which each scenario gets from fresh_database.
  MariadbScenarioOptions scenario;
  // A new, empty database of the lab's own for `scenario_name` ("naive",
  // "expand-contract"): its mariadb:// URL.
  std::function<Result<std::string>(const std::string& scenario_name)> fresh_database;
};

// Naive first, then expand-contract; setup as on PostgreSQL with
// "database": "MariaDB" and "server_version" instead of "postgres_version".
Result<Comparison> RunMariadbComparison(const MariadbComparisonOptions& options);

// One paragraph per finding, from the figures alone: how the naive script's
// UPDATE treated reads and writes (row locks), whether requests queued behind
// DROP COLUMN's metadata lock, v1 clients failing once `name` was dropped,
// and what zeroshift's steps cost the clients. Each names the step and the
// figure it rests on, and says where PostgreSQL differs.
std::vector<std::string> MariadbOutageNotes(const Comparison& comparison);

}  // namespace zs::lab
