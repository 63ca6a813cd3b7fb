// Progress rendering: the bar, the plain line, the JSON events, and when the
// printer prints.
#include "backfill/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace zs::backfill {
namespace {

Progress Halfway() {
  return {.table = "users",
          .rows_done = 100000,
          .rows_estimate = 200000,
          .elapsed_seconds = 10,
          .run_rows = 50000,
          .batch_rows = 4000,
          .batches = 20};
}

TEST(ProgressTest, RateAndEtaComeFromThisRun) {
  Progress p = Halfway();
  EXPECT_DOUBLE_EQ(p.RowsPerSecond(), 5000);
  EXPECT_DOUBLE_EQ(p.EtaSeconds(), 20);
  p.rows_estimate = -1;
  EXPECT_EQ(p.EtaSeconds(), -1);
  p.finished = true;
  EXPECT_EQ(p.EtaSeconds(), 0);
}

TEST(ProgressTest, BarShowsRowsPercentRateAndEta) {
  EXPECT_EQ(ProgressBar(Halfway(), 10),
            "[#####.....]  50%  100000/~200000 rows  5000 rows/s  ETA 0:20  batch 4000");
  Progress unknown = Halfway();
  unknown.rows_estimate = -1;
  EXPECT_EQ(ProgressBar(unknown, 10), "100000 rows  5000 rows/s  batch 4000");
  Progress paused = Halfway();
  paused.paused = true;
  EXPECT_NE(ProgressBar(paused).find("PAUSED"), std::string::npos);
}

TEST(ProgressTest, PlainLine) {
  EXPECT_EQ(ProgressLine(Halfway()),
            "users: 100000 rows of ~200000 (50%), 5000 rows/s, ETA 20 s, batch 4000");
}

TEST(ProgressTest, JsonEventCarriesEveryFigure) {
  Event e{.kind = EventKind::kThrottle, .progress = Halfway()};
  e.progress.throttle_reason = "standby replay lag 2048 kB > 1024 kB";
  nlohmann::json j = EventJson(e);
  EXPECT_EQ(j["event"], "throttle");
  EXPECT_EQ(j["table"], "users");
  EXPECT_EQ(j["rows_done"], 100000);
  EXPECT_EQ(j["percent"], 50.0);
  EXPECT_EQ(j["rows_per_s"], 5000.0);
  EXPECT_EQ(j["eta_s"], 20.0);
  EXPECT_EQ(j["batch_rows"], 4000);
  EXPECT_EQ(j["reason"], "standby replay lag 2048 kB > 1024 kB");
  e.kind = EventKind::kProgress;
  EXPECT_FALSE(EventJson(e).contains("reason"));
}

// The clock is the test's: the first progress event prints whatever the
// machine's uptime (a zero "last printed" time point once dropped it within an
// hour of boot), the next ones only once `interval` has passed.
TEST(ProgressPrinterTest, JsonPrintsOneObjectPerLineAndLimitsProgressEvents) {
  std::ostringstream out;
  std::chrono::steady_clock::time_point now{std::chrono::minutes(5)};  // 5 min after boot
  ProgressPrinter printer(ProgressStyle::kJson, out, std::chrono::hours(1), [&now] { return now; });
  printer.Print({.kind = EventKind::kStart, .progress = Halfway()});
  for (int i = 0; i < 5; ++i) printer.Print({.kind = EventKind::kProgress, .progress = Halfway()});
  now += std::chrono::minutes(59);
  printer.Print({.kind = EventKind::kProgress, .progress = Halfway()});
  now += std::chrono::minutes(1);
  printer.Print({.kind = EventKind::kProgress, .progress = Halfway()});
  printer.Print({.kind = EventKind::kDone, .progress = Halfway()});
  std::istringstream lines(out.str());
  std::vector<std::string> events;
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    events.push_back(j["event"]);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"start", "progress", "progress", "done"}));
}

TEST(ProgressPrinterTest, BarRewritesOneLineAndEndsWithTheSummary) {
  std::ostringstream out;
  ProgressPrinter printer(ProgressStyle::kBar, out);
  printer.Print({.kind = EventKind::kProgress, .progress = Halfway()});
  Progress done = Halfway();
  done.finished = true;
  printer.Print({.kind = EventKind::kDone, .progress = done});
  std::string text = out.str();
  EXPECT_EQ(text.find('\r'), 0u) << text;
  EXPECT_NE(text.find("users: done, 100000 rows"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace zs::backfill
