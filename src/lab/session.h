// The interactive lab behind `zeroshift lab --serve`: one database with a
// loaded `users` table, a running workload of application clients, and the
// five expand-contract steps taken one at a time on request. Thread-safe:
// the web server calls Snapshot() from its own threads while a step runs.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "core/status.h"

namespace zs::lab {

struct SessionOptions {
  // kMariadb: the lab always starts a throwaway MariaDB of its own.
  backend::Kind database = backend::Kind::kPostgres;
  std::string postgres_url;  // empty: start an embedded PostgreSQL
  long long rows = 100000;   // rows loaded into users
  int clients = 4;           // application connections
  int rate = 200;            // total requests per second, 0 = as fast as they go
  std::string migration_file = "examples/02_split_name.yaml";
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> Create(const SessionOptions& options);
  virtual ~Session() = default;

  // Each returns at once (kConflict when a step is already running) and does
  // its work on a background thread; Snapshot() shows its progress.
  //   Next():     v1 -> expand -> dual_write -> backfill -> shift_reads -> contract
  //   Rollback(): from expand .. shift_reads back to v1 (zeroshift rollback)
  //   RunNaive(): reloads users and runs the seed's script under the v1 workload
  //   Reset():    back to a freshly loaded v1 table
  virtual Status Next() = 0;
  virtual Status Rollback() = 0;
  virtual Status RunNaive() = 0;
  virtual Status Reset() = 0;

  // Everything the dashboard shows, as of now:
  // {
  //   "step": "v1" | "expand" | "dual_write" | "backfill" | "shift_reads" | "contract",
  //   "busy": bool, "busy_with": "backfill" | "naive" | ..., "error": string|null,
  //   "steps": [{"name", "title", "explain", "state": "done"|"running"|"pending",
  //              "duration_ms"|null}],
  //   "columns": ["id", "name", ...], "rows": [[...], ...]    first rows of users
  //   "stats": {"elapsed_s", "requests", "errors", "uptime_percent",
  //             "requests_per_s", "p99_ms", "client_version": "v1"|"v2"},
  //   "latency": [{"t": s, "p99_ms", "max_ms", "errors"}, ...]  one per second
  //   "log": [{"t": s, "ok": bool, "text": "READ id=42 found Alice Smith in v1 (0.8 ms)"}]
  //   "locks": [{"pid", "mode", "granted", "query"}]          locks on users
  //   "backfill": {"rows_done", "rows_total", "rows_per_s"}|null
  //   "database": "PostgreSQL" | "MariaDB", "locks_source": "pg_locks" | ...
  // }
  virtual nlohmann::json Snapshot() const = 0;
};

}  // namespace zs::lab
