#include "lab/lock_sampler.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
                          .longest_ms = probe->longest_ms,
                          .seen = std::move(probe->seen),
                          .client_waited = probe->client_waited});
    }
    previous = now;
  }
}

namespace {

const char* SamplerKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kRead:
      return "read";
    case RequestKind::kUpdate:
      return "update";
    case RequestKind::kInsert:
      return "insert";
  }
  return "request";
}

constexpr const char* kSamplerNoWaitSeen =
    "no wait seen on the server: the time was spent outside the server's sampled waits "
    "(client host/CPU, or a wait shorter than a sample)";

// "A (3/4); B (1/4)": each line with the share of the samples that saw it.
std::string SamplerSeenText(const std::vector<std::pair<std::string, int>>& seen, int samples) {
  std::string out;
  for (const auto& [line, count] : seen) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} ({}/{})", line, count, samples);
  }
  return out;
}

// The lines of `samples`, each with how many samples saw it, most often first.
std::vector<std::pair<std::string, int>> SamplerCountSeen(
    const std::vector<const LockSample*>& samples) {
  std::map<std::string, int> counts;
  for (const LockSample* s : samples) {
    for (const std::string& line : s->seen) ++counts[line];
  }
  std::vector<std::pair<std::string, int>> seen(counts.begin(), counts.end());
  std::stable_sort(seen.begin(), seen.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return seen;
}

// The median time between samples: how often the sampler got to run.
double SamplerTypicalInterval(const std::vector<LockSample>& samples) {
  std::vector<double> intervals;
  intervals.reserve(samples.size());
  for (const LockSample& s : samples) intervals.push_back(s.interval_s);
  if (intervals.empty()) return 0;
  std::nth_element(intervals.begin(), intervals.begin() + intervals.size() / 2, intervals.end());
  return intervals[intervals.size() / 2];
}

// A request with no sample inside it: either shorter than the interval, or
// the sampler (a thread of the lab's process, beside the clients) did not
// run for a while, which means the lab's own process was held up.
std::string SamplerNoSampleText(const RequestRecord& request,
                                const std::vector<LockSample>& samples, const LockSample* next) {
  std::string text = "no sample was taken while it ran (shorter than the sampling interval)";
  double typical = SamplerTypicalInterval(samples);
  if (next != nullptr && typical > 0 && next->interval_s > 2 * typical &&
      request.latency_ms / 1000.0 > typical) {
    text = fmt::format(
        "no sample was taken while it ran: the sampler, a thread of the lab's process beside "
        "the clients, took none for {:.0f} ms around it (typically every {:.0f} ms): the lab's "
        "own process was held up (client host CPU), or the sampler's query was slow; no wait "
        "the server reported",
        next->interval_s * 1000.0, typical * 1000.0);
  }
  if (next != nullptr) {
    std::string next_seen = next->seen.empty() ? std::string("nothing but idle sessions")
                                               : fmt::format("{}", fmt::join(next->seen, "; "));
    text += fmt::format("; the next sample, {:.0f} ms after it ended, saw: {}",
                        (next->t - request.end_s()) * 1000.0, next_seen);
  }
  return text;
}

std::string SamplerCountText(int samples) {
  return samples == 1 ? std::string("1 sample") : fmt::format("{} samples", samples);
}

}  // namespace

SlowestRequest ExplainRequest(const RequestRecord& request,
                              const std::vector<LockSample>& samples) {
  SlowestRequest out{.found = true,
                     .start_s = request.start_s,
                     .ms = request.latency_ms,
                     .kind = SamplerKindName(request.kind),
                     .ok = request.ok};
  std::vector<const LockSample*> during;
  const LockSample* next = nullptr;
  for (const LockSample& s : samples) {
    if (s.t >= request.start_s && s.t <= request.end_s()) during.push_back(&s);
    if (s.t > request.end_s() && (next == nullptr || s.t < next->t)) next = &s;
  }
  out.samples = static_cast<int>(during.size());
  out.seen = SamplerCountSeen(during);
  if (during.empty()) {
    out.explanation = SamplerNoSampleText(request, samples, next);
    return out;
  }
  bool client_waited = std::any_of(during.begin(), during.end(),
                                   [](const LockSample* s) { return s->client_waited; });
  if (out.seen.empty()) {
    out.explanation =
        fmt::format("{} while it ran: {}", SamplerCountText(out.samples), kSamplerNoWaitSeen);
    return out;
  }
  out.explanation = fmt::format("{} while it ran saw: {}", SamplerCountText(out.samples),
                                SamplerSeenText(out.seen, out.samples));
  if (!client_waited) {
    out.explanation +=
        "; no client waited on the server: the time was spent outside the server's sampled "
        "waits (client host/CPU, or a wait shorter than a sample)";
  }
  return out;
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
    const RequestRecord* slowest = nullptr;
    for (const RequestRecord& r : records) {
      if (r.start_s <= end && r.end_s() >= begin) {
        step.max_request_ms = std::max(step.max_request_ms, r.latency_ms);
        double& by_kind = r.kind == RequestKind::kRead ? step.max_read_ms : step.max_write_ms;
        by_kind = std::max(by_kind, r.latency_ms);
        if (slowest == nullptr || r.latency_ms > slowest->latency_ms) slowest = &r;
      }
    }
    if (slowest != nullptr) step.slowest = ExplainRequest(*slowest, samples);
  }
}

}  // namespace zs::lab
