// MariaDB's pressure probes for the adaptive backfill (throttle.h decides
// what to do with them):
//   - lock waiters on the table: sessions in PROCESSLIST waiting for a
//     metadata lock whose statement names the table (a queued ALTER, which
//     every later reader queues behind), plus transactions waiting for a row
//     lock on it (INNODB_LOCK_WAITS);
//   - long transactions: INNODB_TRX older than the threshold, on the whole
//     server (they hold back purge, which is server-wide), the oldest named
//     with the KILL that ends it;
//   - replica lag: known only on each replica (SHOW ALL REPLICAS STATUS,
//     Seconds_Behind_Master in whole seconds), so the replicas are given by
//     URL. Seconds_Behind_Master NULL means replication is stopped there: its
//     lag is unknown and grows, so the sample lists it in stopped_replicas
//     and the backfill throttles as under lag (the smallest batch, the longest
//     backoff, never a stall), its reason naming the replica. A URL whose
//     server replicates from nothing, or cannot be reached, fails the probe.
// INNODB_TRX and INNODB_LOCK_WAITS are a cache that the server refreshes only
// after nobody has read it for 0.1 s (so a reader polling faster sees it
// frozen): they are read at most every 0.15 s, and a sample taken sooner
// reuses the last reading.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backfill/throttle.h"
#include "core/status.h"
#include "mysql/connection.h"

namespace zs::backfill {

class MariadbProbes {
 public:
  explicit MariadbProbes(std::vector<std::string> replica_urls);
  ~MariadbProbes();
  MariadbProbes(MariadbProbes&&) noexcept;

  // One sample for schema.table, on `conn` (between batches) and on each
  // replica (connected on first use, kept).
  Result<PressureSample> Probe(mysql::Connection& conn, const std::string& schema,
                               const std::string& table, const PressureThresholds& thresholds);

 private:
  struct Replica {
    std::string url;
    std::string name;  // host:port or socket, never the password
    std::optional<mysql::Connection> conn;
  };
  Status ProbeReplica(Replica& replica, PressureSample& sample);

  std::vector<Replica> replicas_;
  // The last reading of the InnoDB tables (row lock waiters, long transactions).
  std::optional<PressureSample> innodb_;
  std::chrono::steady_clock::time_point innodb_read_at_{};
};

}  // namespace zs::backfill
