// The one thing the interactive lab (session.h) does differently on each
// database: where its throwaway server and database come from, how the seed's
// table is reloaded, how the seed's naive script runs, what the dashboard's
// table and lock views read, and how each step is explained.
//
// PostgreSQL (session_database_postgres.cc): the --url server or an embedded
// one, a lab database of its own (users_table.h), pg_locks.
// MariaDB (session_database_mariadb.cc): always a throwaway server of the
// lab's own (servers/mariadb_server.h), since reloading drops databases on it
// (the lab's, its version databases and zeroshift's state database);
// PROCESSLIST and INNODB_TRX instead of pg_locks.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "core/status.h"
#include "lab/scenario.h"

namespace zs::lab {

struct SessionOptions;

struct LabStepInfo {
  const char* name;
  const char* title;
  const char* explain;
};
using LabSteps = std::array<LabStepInfo, 5>;

class LabDatabase {
 public:
  virtual ~LabDatabase() = default;

  virtual backend::Kind kind() const = 0;
  virtual const char* DisplayName() const = 0;  // "PostgreSQL", "MariaDB"
  // Where the lock view reads from, for the dashboard's heading.
  virtual const char* LocksSource() const = 0;
  virtual const LabSteps& Steps() const = 0;

  // Starts the server when the lab brings its own and fixes the lab database's
  // URL for the session's life. Called once, before anything else.
  virtual Status Open() = 0;
  virtual const std::string& url() const = 0;
  // The lab's database dropped (its sessions ended) and created again with
  // `rows` rows in users: a v1 table nobody has migrated.
  virtual Status Reload(long long rows) = 0;
  // Drops the lab's database, ending every session on it (the engine's too).
  virtual Status Drop() = 0;

  // The seed's naive script on a connection of its own (worker thread).
  virtual Status RunNaive(const std::function<double()>& now,
                          const std::function<void(const StepResult&, bool finished)>& on_step,
                          std::vector<StepResult>& steps) = 0;

  // Monitor thread only (each keeps its own connection, reopened when lost):
  // {"columns": [...], "rows": [[...], ...]}, the first `limit` rows by id;
  virtual Result<nlohmann::json> FirstRows(int limit) = 0;
  // [{"pid", "mode", "granted", "application", "query"}]: sessions holding or
  // waiting for a lock on users.
  virtual Result<nlohmann::json> Locks() = 0;
};

// The factory: picks by SessionOptions::database (the seam's one test of the kind).
std::unique_ptr<LabDatabase> LabDatabaseFor(const SessionOptions& options);

std::unique_ptr<LabDatabase> PostgresLabDatabase(const SessionOptions& options);
std::unique_ptr<LabDatabase> MariadbLabDatabase();

}  // namespace zs::lab
