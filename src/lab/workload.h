// The lab's application: N client threads, each with its own connection
// (libpq or Connector/C: client.h, chosen by WorkloadOptions::backend),
// issuing a social portal's mix of requests against `users` (reads by id,
// updates of one row, inserts), optionally at a total rate. Every request is
// timed under the client's statement timeout and recorded.
//
// "v1" clients use the application's tables and read/write `name`; "v2"
// clients use the migration's version (a schema on PostgreSQL, a database on
// MariaDB) and read/write first_name/last_name.
// ShiftTo() moves the fleet: each client switches at its next request, as a
// rolling deploy would. Clients survive errors and reconnect when their
// connection breaks.
//
// Thread-safety: every public method may be called from any thread. Each
// client appends to its own record list under its own mutex, so recording
// does not contend across clients.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "backend/error_class.h"
#include "lab/client.h"
#include "lab/metrics.h"

namespace zs::lab {

// How long the lab gives every client to move to another version before it calls them stuck.
inline constexpr double kShiftDeadlineSeconds = 10;

struct WorkloadOptions {
  std::string conninfo;
  int clients = 4;
  int rate = 200;          // total requests per second; 0 = as fast as they go
  long long id_range = 1;  // reads and updates pick ids in [1, id_range]
  // Bound of every request (PostgreSQL statement_timeout, MariaDB max_statement_time).
  std::chrono::milliseconds timeout{2000};
  int read_percent = 80;  // the rest after reads and updates are inserts
  int update_percent = 15;
  size_t log_capacity = 200;  // lines kept for the live log
  // The database `conninfo` points at (a mariadb:// URL for kMariadb).
  backend::Kind backend = backend::Kind::kPostgres;
};

struct LogLine {
  double t = 0;  // seconds since the workload's epoch, when the request ended
  bool ok = true;
  std::string text;  // "READ id=42 found Alice Smith in v1 (0.8 ms)"
};

class Workload {
 public:
  explicit Workload(WorkloadOptions options);
  ~Workload();  // Stop()
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Starts the clients as v1. The epoch (t = 0) is the moment of Start().
  void Start();
  // Asks every client to stop and waits for each one's current request.
  void Stop();

  // Clients switch to `version` at their next request; `version_schema` is
  // the version of v2 clients (ignored for v1): on PostgreSQL their
  // search_path, on MariaDB the database they USE.
  void ShiftTo(ClientVersion version, const std::string& version_schema = "");
  ClientVersion target_version() const;
  // True once every client has finished a request as the target version.
  bool AllShifted() const;

  const WorkloadOptions& options() const { return options_; }
  // Seconds since Start().
  double Now() const;

  // Every finished request so far (copies; in no particular order).
  std::vector<RequestRecord> Records() const;
  // Finished requests that started at or after `since_s`.
  std::vector<RequestRecord> RecordsSince(double since_s) const;
  // Start times of the requests running now.
  std::vector<double> InFlightStarts() const;
  // The newest `max` log lines, oldest first.
  std::vector<LogLine> RecentLog(size_t max) const;
  // Failed requests by error message.
  std::map<std::string, long long> ErrorCounts() const;
  // Failed requests by the class of their error (backend::ErrorClass).
  std::map<backend::ErrorClass, long long> ErrorClassCounts() const;
  // The server's session ids of the clients connected now (PostgreSQL pid,
  // MariaDB CONNECTION_ID()): what a lock sampler filters on.
  std::vector<long long> ClientSessionIds() const;

 private:
  struct Client;
  struct Target {
    ClientVersion version = ClientVersion::kV1;
    std::string version_schema;
    int generation = 0;
  };

  void RunClient(Client& client);
  void Record(Client& client, const RequestRecord& record, const std::string& text,
              const std::string& error);
  // Sleeps until `deadline` or Stop(); false when stopping.
  bool SleepUntil(std::chrono::steady_clock::time_point deadline);
  Target CurrentTarget() const;

  WorkloadOptions options_;
  std::chrono::steady_clock::time_point epoch_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;

  mutable std::mutex target_mu_;
  Target target_;
  std::atomic<int> target_generation_{0};

  mutable std::mutex log_mu_;
  std::deque<LogLine> log_;
  std::map<std::string, long long> error_counts_;
  std::map<backend::ErrorClass, long long> error_class_counts_;
};

}  // namespace zs::lab
