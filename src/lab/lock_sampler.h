// Lock waits of the workload's clients, sampled: a probe asks the server how
// many client sessions wait for a lock right now and how long the longest has
// waited; a thread calls it at a fixed interval (20 ms on PostgreSQL). Waits
// shorter than a sample can be missed. What the probe asks differs by database (PostgreSQL:
// pg_stat_activity; MariaDB: PROCESSLIST and INNODB_TRX); the sampling and
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
};

struct LockSample {
  double t = 0;
  double interval_s = 0;
  int waiting = 0;
  double longest_ms = 0;
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

// Fills each step's lock waits from the samples and its slowest request from
// the records.
void MeasureSteps(std::vector<StepResult>& steps, const std::vector<LockSample>& samples,
                  const std::vector<RequestRecord>& records);

}  // namespace zs::lab
