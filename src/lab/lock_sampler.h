// Lock waits of the workload's clients, sampled: a probe asks the server how
// many client sessions wait for a lock right now and how long the longest has
// waited, and what else the server is doing (every non-idle session's wait,
// vacuums, a checkpoint), in one query; a thread calls it at a fixed interval
// (20 ms on PostgreSQL). Waits shorter than a sample can be missed. The
// samples explain each step's slowest request (MeasureSteps). What the probe asks differs by
// database (PostgreSQL: pg_stat_activity; MariaDB: PROCESSLIST and INNODB_TRX); the sampling and
// the per-step figures do not.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "lab/metrics.h"
#include "lab/scenario.h"
#include "lab/workload.h"

namespace zs::lab {

inline constexpr std::chrono::milliseconds kLockSampleInterval{20};

struct LockProbe {
  int waiting = 0;        // client sessions waiting for a lock
  double longest_ms = 0;  // how long the longest of them has waited (0 when none)
  // What the server was doing besides idling, one line each: "2 clients
  // waiting on Lock:transactionid", "autovacuum on users (scanning heap)",
  // "checkpoint running". The sampler's own session is never in it.
  std::vector<std::string> seen;
  bool client_waited = false;  // a client session waited on anything (a lock, I/O, WAL)
};

struct LockSample {
  double t = 0;
  double interval_s = 0;
  int waiting = 0;
  double longest_ms = 0;
  std::vector<std::string> seen;
  bool client_waited = false;
};

// Calls `probe` on its own thread every `interval` until destroyed; a failed
// probe leaves no sample.
class LockSampler {
 public:
  LockSampler(std::function<Result<LockProbe>()> probe, const Workload& workload,
              std::chrono::milliseconds interval = kLockSampleInterval);
  ~LockSampler();
  LockSampler(const LockSampler&) = delete;
  LockSampler& operator=(const LockSampler&) = delete;
  std::vector<LockSample> Samples() const;

 private:
  void Run();

  std::function<Result<LockProbe>()> probe_;
  const Workload& workload_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<LockSample> samples_;
  std::thread thread_;  // last: starts once the members above exist
};

// Fills each step's lock waits from the samples, its slowest request from
// the records, and that request's explanation (ExplainRequest).
void MeasureSteps(std::vector<StepResult>& steps, const std::vector<LockSample>& samples,
                  const std::vector<RequestRecord>& records);

// What the samples taken while `request` ran saw; when none was (a request
// shorter than the interval), says so and what the next sample saw.
SlowestRequest ExplainRequest(const RequestRecord& request, const std::vector<LockSample>& samples);

}  // namespace zs::lab
