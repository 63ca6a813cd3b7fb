#include "lab/lock_sampler.h"

#include <algorithm>

namespace zs::lab {

LockSampler::LockSampler(std::function<Result<LockProbe>()> probe, const Workload& workload,
                         std::chrono::milliseconds interval)
    : probe_(std::move(probe)),
      workload_(workload),
      interval_(interval),
      thread_([this] { Run(); }) {}

LockSampler::~LockSampler() {
  stop_ = true;
  thread_.join();
}

std::vector<LockSample> LockSampler::Samples() const {
  std::lock_guard lock(mu_);
  return samples_;
}

void LockSampler::Run() {
  double previous = workload_.Now();
  while (!stop_) {
    std::this_thread::sleep_for(interval_);
    Result<LockProbe> probe = probe_();
    double now = workload_.Now();
    if (probe.ok()) {
      std::lock_guard lock(mu_);
      samples_.push_back({.t = now,
                          .interval_s = now - previous,
                          .waiting = probe->waiting,
                          .longest_ms = probe->longest_ms});
    }
    previous = now;
  }
}

void MeasureSteps(std::vector<StepResult>& steps, const std::vector<LockSample>& samples,
                  const std::vector<RequestRecord>& records) {
  for (StepResult& step : steps) {
    double begin = step.start_s;
    double end = step.start_s + step.duration_ms / 1000.0;
    for (const LockSample& s : samples) {
      // A sample stands for (t - interval, t]; a step gets the share it overlaps.
      double overlap = std::min(s.t, end) - std::max(s.t - s.interval_s, begin);
      if (overlap <= 0) continue;
      step.lock_wait_ms += s.waiting * overlap * 1000.0;
      if (s.waiting > 0) step.max_lock_wait_ms = std::max(step.max_lock_wait_ms, s.longest_ms);
    }
    for (const RequestRecord& r : records) {
      if (r.start_s <= end && r.end_s() >= begin) {
        step.max_request_ms = std::max(step.max_request_ms, r.latency_ms);
        double& by_kind = r.kind == RequestKind::kRead ? step.max_read_ms : step.max_write_ms;
        by_kind = std::max(by_kind, r.latency_ms);
      }
    }
  }
}

}  // namespace zs::lab
