// The report's definitions on hand-made records: uptime windows, stalls,
// percentiles, timeouts.
#include "lab/metrics.h"

#include <gtest/gtest.h>

namespace zs::lab {
namespace {

RequestRecord Ok(double start_s, double latency_ms) {
  return {.start_s = start_s, .latency_ms = latency_ms};
}
RequestRecord Failed(double start_s, double latency_ms) {
  return {.start_s = start_s, .latency_ms = latency_ms, .ok = false};
}
RequestRecord TimedOut(double start_s, double latency_ms) {
  return {.start_s = start_s, .latency_ms = latency_ms, .ok = false, .timed_out = true};
}

// A steady workload: one 1 ms request every 10 ms over [from, to).
std::vector<RequestRecord> Steady(double from, double to) {
  std::vector<RequestRecord> records;
  for (double t = from; t < to - 1e-9; t += 0.01) records.push_back(Ok(t, 1));
  return records;
}

TEST(LabMetrics, PercentileIsNearestRank) {
  EXPECT_EQ(Percentile({}, 0.5), 0);
  EXPECT_EQ(Percentile({5}, 0.99), 5);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 0.5), 2);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 0.75), 3);
  EXPECT_EQ(Percentile({4, 1, 3, 2}, 1.0), 4);
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(Percentile(hundred, 0.99), 99);
}

TEST(LabMetrics, SteadyWorkloadIsFullyUp) {
  Summary s = Summarize(Steady(0, 5), 0, 5);
  EXPECT_EQ(s.requests, 500);
  EXPECT_EQ(s.errors, 0);
  EXPECT_EQ(s.windows, 5);
  EXPECT_EQ(s.windows_down, 0);
  EXPECT_DOUBLE_EQ(s.uptime_percent, 100);
  EXPECT_DOUBLE_EQ(s.p50_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 1);
  // Each request waits 1 ms for its own answer; nothing waits longer.
  EXPECT_NEAR(s.longest_stall_ms, 1, 1e-6);
  ASSERT_EQ(s.seconds.size(), 5u);
  EXPECT_EQ(s.seconds[2].requests, 100);
  EXPECT_TRUE(s.seconds[2].up);
}

TEST(LabMetrics, AnErrorTakesItsWindowDown) {
  auto records = Steady(0, 4);
  records.push_back(Failed(2.5, 3));  // "column name does not exist": answered, but failed
  Summary s = Summarize(records, 0, 4);
  EXPECT_EQ(s.errors, 1);
  EXPECT_EQ(s.timeouts, 0);
  EXPECT_EQ(s.windows_down, 1);
  EXPECT_DOUBLE_EQ(s.uptime_percent, 75);
  EXPECT_FALSE(s.seconds[2].up);
  EXPECT_EQ(s.seconds[2].errors, 1);
}

TEST(LabMetrics, AStallShowsAsDownWindowsEvenBeforeTheTimeout) {
  // Answers until 2.0 s; then every client blocks until a lock is released at
  // 5.5 s: two requests time out at 4.0 s, their retries are answered at 5.5 s.
  auto records = Steady(0, 2);
  records.push_back(TimedOut(2.0, 2000));
  records.push_back(TimedOut(2.0, 2000));
  records.push_back(Ok(4.0, 1500));
  records.push_back(Ok(4.0, 1500));
  auto after = Steady(5.5, 7);
  records.insert(records.end(), after.begin(), after.end());
  Summary s = Summarize(records, 0, 7);
  // Windows 2 and 3: nothing answered while requests waited; window 4: timeouts.
  EXPECT_TRUE(s.seconds[1].up);
  EXPECT_FALSE(s.seconds[2].up);
  EXPECT_FALSE(s.seconds[3].up);
  EXPECT_FALSE(s.seconds[4].up);
  EXPECT_TRUE(s.seconds[5].up);
  EXPECT_EQ(s.windows_down, 3);
  EXPECT_NEAR(s.uptime_percent, 100.0 * 4 / 7, 1e-9);
  // From the last answer before the lock (1.99 + 1 ms) to 5.5 s: timeouts are no answers.
  EXPECT_NEAR(s.longest_stall_ms, 5500 - 2000, 1e-6);
  EXPECT_EQ(s.timeouts, 2);
  EXPECT_EQ(s.errors, 2);
  EXPECT_DOUBLE_EQ(s.max_ms, 2000);
}

TEST(LabMetrics, IdleTimeIsNeitherDownNorAStall) {
  // One 2 ms request per 3 s: gaps between answers are idle, not stalls.
  std::vector<RequestRecord> records = {Ok(0.5, 2), Ok(3.5, 2), Ok(6.5, 2)};
  Summary s = Summarize(records, 0, 9);
  EXPECT_EQ(s.windows, 9);
  EXPECT_EQ(s.windows_down, 0);
  EXPECT_NEAR(s.longest_stall_ms, 2, 1e-6);
}

TEST(LabMetrics, InFlightRequestsCountAsWaiting) {
  // Live view at 4.0 s: answers stopped at 1 s, one request waits since 1.5 s.
  auto records = Steady(0, 1);
  Summary s = Summarize(records, 0, 4, {1.5});
  EXPECT_TRUE(s.seconds[0].up);
  EXPECT_FALSE(s.seconds[1].up);
  EXPECT_FALSE(s.seconds[3].up);
  EXPECT_NEAR(s.longest_stall_ms, 2500, 1e-6);
}

TEST(LabMetrics, RecordsOutsideTheRunAreIgnoredAndEmptyRunsAreUp) {
  std::vector<RequestRecord> records = {Ok(-2, 1), Ok(10, 1)};
  Summary s = Summarize(records, 0, 3);
  EXPECT_EQ(s.requests, 0);
  EXPECT_DOUBLE_EQ(s.uptime_percent, 100);
  EXPECT_EQ(s.longest_stall_ms, 0);
  Summary empty = Summarize({}, 0, 0);
  EXPECT_EQ(empty.windows, 0);
  EXPECT_DOUBLE_EQ(empty.uptime_percent, 100);
}

TEST(LabMetrics, PerSecondPercentilesAndMaxima) {
  std::vector<RequestRecord> records;
  for (int i = 1; i <= 100; ++i) records.push_back(Ok(0.001 * i, i));  // ends in window 0
  records.push_back(Ok(1.2, 7));
  Summary s = Summarize(records, 0, 2);
  EXPECT_EQ(s.seconds[0].requests, 100);
  EXPECT_DOUBLE_EQ(s.seconds[0].p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.seconds[0].max_ms, 100);
  EXPECT_DOUBLE_EQ(s.seconds[1].p99_ms, 7);
}

}  // namespace
}  // namespace zs::lab
