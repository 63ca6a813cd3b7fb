#include "lab/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace zs::lab {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

bool Answered(const RequestRecord& r) { return !r.timed_out; }

int WindowOf(double t, double begin_s, int windows) {
  int w = static_cast<int>(std::floor(t - begin_s));
  return std::clamp(w, 0, windows - 1);
}

// Requests (and in-flight ones) ordered by end time, clipped to the run.
std::vector<const RequestRecord*> EndedInRun(const std::vector<RequestRecord>& records,
                                             double begin_s, double end_s) {
  std::vector<const RequestRecord*> ended;
  for (const auto& r : records) {
    if (r.end_s() >= begin_s && r.end_s() <= end_s) ended.push_back(&r);
  }
  std::sort(ended.begin(), ended.end(),
            [](const RequestRecord* a, const RequestRecord* b) { return a->end_s() < b->end_s(); });
  return ended;
}

double LongestStallMs(const std::vector<const RequestRecord*>& ended, double begin_s, double end_s,
                      const std::vector<double>& in_flight_starts) {
  double previous_answer = begin_s;
  double oldest_waiting = kInfinity;  // start of the oldest request since the last answer
  double longest = 0;
  for (const RequestRecord* r : ended) {
    oldest_waiting = std::min(oldest_waiting, r->start_s);
    if (!Answered(*r)) continue;
    longest = std::max(longest, r->end_s() - std::max(previous_answer, oldest_waiting));
    previous_answer = r->end_s();
    oldest_waiting = kInfinity;
  }
  for (double start : in_flight_starts) oldest_waiting = std::min(oldest_waiting, start);
  if (oldest_waiting < kInfinity) {
    longest = std::max(longest, end_s - std::max(previous_answer, oldest_waiting));
  }
  return longest * 1000.0;
}

void FillWindows(const std::vector<const RequestRecord*>& ended, double begin_s,
                 const std::vector<double>& in_flight_starts, Summary& summary) {
  int windows = summary.windows;
  std::vector<std::vector<double>> latencies(windows);
  std::vector<bool> answered(windows, false);
  std::vector<int> cover(windows + 1, 0);  // difference array of outstanding requests
  auto mark_outstanding = [&](double start, int last) {
    cover[WindowOf(std::max(start, begin_s), begin_s, windows)] += 1;
    cover[last + 1] -= 1;
  };
  summary.seconds.resize(windows);
  for (int w = 0; w < windows; ++w) summary.seconds[w].t = w;
  for (const RequestRecord* r : ended) {
    int w = WindowOf(r->end_s(), begin_s, windows);
    SecondStats& second = summary.seconds[w];
    ++second.requests;
    if (!r->ok) {
      ++second.errors;
      second.up = false;
    }
    if (Answered(*r)) answered[w] = true;
    latencies[w].push_back(r->latency_ms);
    mark_outstanding(r->start_s, w);
  }
  for (double start : in_flight_starts) mark_outstanding(start, windows - 1);
  int outstanding = 0;
  for (int w = 0; w < windows; ++w) {
    outstanding += cover[w];
    SecondStats& second = summary.seconds[w];
    if (!answered[w] && outstanding > 0) second.up = false;
    if (!latencies[w].empty()) {
      second.max_ms = *std::max_element(latencies[w].begin(), latencies[w].end());
      second.p99_ms = Percentile(std::move(latencies[w]), 0.99);
    }
    if (!second.up) ++summary.windows_down;
  }
}

}  // namespace

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  size_t index = std::clamp<size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

Summary Summarize(const std::vector<RequestRecord>& records, double begin_s, double end_s,
                  const std::vector<double>& in_flight_starts) {
  Summary summary;
  summary.duration_s = std::max(0.0, end_s - begin_s);
  summary.windows = static_cast<int>(std::ceil(summary.duration_s - 1e-9));
  std::vector<const RequestRecord*> ended = EndedInRun(records, begin_s, end_s);
  std::vector<double> latencies;
  latencies.reserve(ended.size());
  for (const RequestRecord* r : ended) {
    ++summary.requests;
    if (!r->ok) ++summary.errors;
    if (r->timed_out) ++summary.timeouts;
    latencies.push_back(r->latency_ms);
  }
  if (!latencies.empty()) {
    summary.max_ms = *std::max_element(latencies.begin(), latencies.end());
    summary.p99_ms = Percentile(latencies, 0.99);
    summary.p50_ms = Percentile(std::move(latencies), 0.50);
  }
  summary.longest_stall_ms = LongestStallMs(ended, begin_s, end_s, in_flight_starts);
  if (summary.windows > 0) {
    FillWindows(ended, begin_s, in_flight_starts, summary);
    summary.uptime_percent =
        100.0 * (summary.windows - summary.windows_down) / static_cast<double>(summary.windows);
  }
  return summary;
}

}  // namespace zs::lab
