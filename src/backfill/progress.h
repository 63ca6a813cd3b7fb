// How a running backfill shows itself: a progress bar rewritten in place on a
// terminal, a plain line every few seconds elsewhere, or one JSON object per
// line (--json) for machines. The renderers are pure; ProgressPrinter only
// decides when to print.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "backfill/backfill.h"

namespace zs::backfill {

enum class ProgressStyle { kBar, kLines, kJson };

// kJson when asked for, else kBar when `fd` is a terminal, else kLines.
ProgressStyle ChooseProgressStyle(bool json, int fd);

// "[########............] 40%  80000/~200000 rows  41000 rows/s  ETA 0:03  batch 4000"
// (`width` characters of bar). Without an estimate, no bar and no ETA.
std::string ProgressBar(const Progress& p, int width = 24);
// "users: 80000 of ~200000 rows (40%), 41000 rows/s, ETA 3 s, batch 4000"
std::string ProgressLine(const Progress& p);
// What a throttle, pause, resume or done event says to a person.
std::string EventMessage(const Event& event);
// {"event": "progress", "table": ..., "rows_done": ..., ...}
nlohmann::json EventJson(const Event& event);

class ProgressPrinter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // Progress events are printed at most once per `interval` (bar: 10 per
  // second), the first one always; start, throttle, pause, resume and done
  // always. `now` is the clock (tests pass their own).
  ProgressPrinter(ProgressStyle style, std::ostream& out,
                  std::chrono::milliseconds interval = std::chrono::seconds(2),
                  Clock now = std::chrono::steady_clock::now);

  void Print(const Event& event);

 private:
  bool Due(EventKind kind);

  ProgressStyle style_;
  std::ostream& out_;
  std::chrono::milliseconds interval_;
  Clock now_;
  // When the last progress event was printed; none yet at first (a zero
  // time point would be the machine's boot: within `interval` of it, just
  // after a boot, the first progress event would be dropped).
  std::optional<std::chrono::steady_clock::time_point> last_;
  bool bar_drawn_ = false;  // a bar line is on screen without its newline
};

}  // namespace zs::backfill
