#include "backfill/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace zs::backfill {

namespace {

double Percent(const Progress& p) {
  if (p.finished) return 100;
  if (p.rows_estimate <= 0) return -1;
  return std::min(99.9, 100.0 * static_cast<double>(p.rows_done) / p.rows_estimate);
}

std::string ClockText(double seconds) {
  long long s = std::llround(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressStyle ChooseProgressStyle(bool json, int fd) {
  if (json) return ProgressStyle::kJson;
  return isatty(fd) != 0 ? ProgressStyle::kBar : ProgressStyle::kLines;
}

std::string ProgressBar(const Progress& p, int width) {
  double percent = Percent(p);
  std::string out;
  if (percent >= 0) {
    int filled = static_cast<int>(std::floor(percent / 100 * width));
    out = fmt::format("[{}{}] {:3.0f}%  {}/~{} rows", std::string(filled, '#'),
                      std::string(width - filled, '.'), percent, p.rows_done, p.rows_estimate);
  } else {
    out = fmt::format("{} rows", p.rows_done);
  }
  out += fmt::format("  {:.0f} rows/s", p.RowsPerSecond());
  if (double eta = p.EtaSeconds(); eta >= 0 && !p.finished) out += "  ETA " + ClockText(eta);
  if (p.paused) out += "  PAUSED";
  if (p.yielding && !p.finished) out += "  YIELDING";
  if (!p.finished) out += fmt::format("  batch {}", p.batch_rows);
  return out;
}

std::string ProgressLine(const Progress& p) {
  std::string out = fmt::format("{}: {} rows", p.table, p.rows_done);
  if (double percent = Percent(p); percent >= 0) {
    out += fmt::format(" of ~{} ({:.0f}%)", p.rows_estimate, percent);
  }
  out += fmt::format(", {:.0f} rows/s", p.RowsPerSecond());
  if (double eta = p.EtaSeconds(); eta >= 0 && !p.finished) {
    out += fmt::format(", ETA {:.0f} s", eta);
  }
  if (!p.finished) out += fmt::format(", batch {}", p.batch_rows);
  if (p.yielding && !p.finished) out += ", yielding to clients";
  return out;
}

std::string EventMessage(const Event& e) {
  const Progress& p = e.progress;
  switch (e.kind) {
    case EventKind::kStart: {
      std::string out = p.rows_done > 0
                            ? fmt::format("{}: resuming after {} rows", p.table, p.rows_done)
                            : fmt::format("{}: starting (~{} rows)", p.table, p.rows_estimate);
      if (p.workers > 1) out += fmt::format(", {} sessions", p.workers);
      if (p.nice_ratio > 0) {
        out +=
            fmt::format("; yields to working clients (--backfill-nice-ratio {:g})", p.nice_ratio);
      }
      return out;
    }
    case EventKind::kThrottle:
      return fmt::format("{}: backing off: {}", p.table, p.throttle_reason);
    case EventKind::kPause:
      return fmt::format("{}: paused at {} rows (zeroshift backfill resume to continue)", p.table,
                         p.rows_done);
    case EventKind::kResume:
      return fmt::format("{}: resumed", p.table);
    case EventKind::kDone:
      return fmt::format("{}: done, {} rows in {:.1f} s ({:.0f} rows/s, {} batches, {} throttled)",
                         p.table, p.rows_done, p.elapsed_seconds, p.RowsPerSecond(), p.batches,
                         p.throttled_batches);
    case EventKind::kInterrupt:
      return fmt::format("{}: stopped by {} after {} rows; the cursor is saved", p.table,
                         p.interrupted_by, p.rows_done);
    case EventKind::kNote:
      return fmt::format("{}: note: {}", p.table, p.note);
    case EventKind::kYield:
      return p.yielding ? fmt::format("{}: yielding to clients: {}", p.table, p.yield_reason)
                        : fmt::format("{}: no client working any more: full speed again", p.table);
    case EventKind::kProgress:
      break;
  }
  return ProgressLine(p);
}

nlohmann::json EventJson(const Event& e) {
  const Progress& p = e.progress;
  nlohmann::json out{{"event", EventName(e.kind)},
                     {"table", p.table},
                     {"rows_done", p.rows_done},
                     {"rows_estimate", p.rows_estimate},
                     {"elapsed_s", std::round(p.elapsed_seconds * 1000) / 1000},
                     {"rows_per_s", std::round(p.RowsPerSecond())},
                     {"batch_rows", p.batch_rows},
                     {"batches", p.batches},
                     {"throttled_batches", p.throttled_batches},
                     {"paused", p.paused},
                     {"finished", p.finished}};
  double percent = Percent(p);
  out["percent"] = percent >= 0 ? nlohmann::json(std::round(percent * 10) / 10) : nlohmann::json();
  double eta = p.EtaSeconds();
  out["eta_s"] = eta >= 0 ? nlohmann::json(std::round(eta)) : nlohmann::json();
  if (e.kind == EventKind::kThrottle) out["reason"] = p.throttle_reason;
  if (e.kind == EventKind::kInterrupt) out["signal"] = p.interrupted_by;
  if (e.kind == EventKind::kNote) out["note"] = p.note;
  out["nice_ratio"] = p.nice_ratio;
  out["yielding"] = p.yielding;
  if (e.kind == EventKind::kYield && p.yielding) out["reason"] = p.yield_reason;
  return out;
}

ProgressPrinter::ProgressPrinter(ProgressStyle style, std::ostream& out,
                                 std::chrono::milliseconds interval, Clock now)
    : style_(style),
      out_(out),
      interval_(style == ProgressStyle::kBar ? std::chrono::milliseconds(100) : interval),
      now_(std::move(now)) {}

bool ProgressPrinter::Due(EventKind kind) {
  if (kind != EventKind::kProgress) return true;
  auto now = now_();
  if (last_ && now - *last_ < interval_) return false;
  last_ = now;
  return true;
}

void ProgressPrinter::Print(const Event& event) {
  if (!Due(event.kind)) return;
  switch (style_) {
    case ProgressStyle::kJson:
      out_ << EventJson(event).dump() << "\n" << std::flush;
      return;
    case ProgressStyle::kLines:
      out_ << "    " << EventMessage(event) << "\n" << std::flush;
      return;
    case ProgressStyle::kBar:
      break;
  }
  // \r and "erase to end of line" redraw the bar; messages go above it.
  if (event.kind != EventKind::kProgress) {
    if (bar_drawn_) out_ << "\r\x1b[K";
    out_ << "    " << EventMessage(event) << "\n";
    bar_drawn_ = false;
  }
  if (event.kind != EventKind::kDone && event.kind != EventKind::kInterrupt &&
      event.kind != EventKind::kNote) {
    out_ << "\r\x1b[K    " << ProgressBar(event.progress);
    bar_drawn_ = true;
  }
  out_ << std::flush;
}

}  // namespace zs::backfill
