// Figures of a run, computed from the workload's request records: pure
// functions, so each definition is tested on hand-made records.
//
// Definitions (all times in seconds since the workload's epoch):
// - A request is "answered" when the server replied, with rows or with an
//   error; a request cancelled by the client's statement_timeout was not.
// - Window w is [begin + w, begin + w + 1). It is down when a request that
//   ended in it failed, or when no request was answered in it while one was
//   outstanding (a stall shows as windows with nothing answered). A window in
//   which nothing was asked is up. uptime_percent = up windows / windows.
// - longest_stall_ms: the longest time during which requests were waiting and
//   none was answered (idle time of a rate-limited workload does not count).
#pragma once

#include <cstdint>
#include <vector>

#include "backend/error_class.h"

namespace zs::lab {

enum class RequestKind : std::uint8_t { kRead, kUpdate, kInsert };

struct RequestRecord {
  double start_s = 0;
  double latency_ms = 0;
  RequestKind kind = RequestKind::kRead;
  bool ok = true;
  bool timed_out = false;  // cancelled by statement_timeout: no answer in time
  // Why it failed, in every database's terms (kOther when it succeeded).
  backend::ErrorClass error_class = backend::ErrorClass::kOther;

  double end_s() const { return start_s + latency_ms / 1000.0; }
};

struct SecondStats {
  int t = 0;               // window [begin + t, begin + t + 1)
  long long requests = 0;  // requests that ended in the window
  long long errors = 0;
  double p99_ms = 0;  // of the requests that ended in the window; 0 when none
  double max_ms = 0;
  bool up = true;
};

struct Summary {
  long long requests = 0;
  long long errors = 0;    // failed requests, timeouts included
  long long timeouts = 0;  // of which cancelled by statement_timeout
  double duration_s = 0;
  int windows = 0;
  int windows_down = 0;
  double uptime_percent = 100;
  double p50_ms = 0;  // over every completed request, failed ones included
  double p99_ms = 0;
  double max_ms = 0;
  double longest_stall_ms = 0;
  std::vector<SecondStats> seconds;
};

// The nearest-rank percentile (fraction in (0, 1]) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double fraction);

// Summarizes the requests that ended in [begin_s, end_s]. `in_flight_starts`
// are the start times of requests not finished at end_s (a live view).
Summary Summarize(const std::vector<RequestRecord>& records, double begin_s, double end_s,
                  const std::vector<double>& in_flight_starts = {});

}  // namespace zs::lab
