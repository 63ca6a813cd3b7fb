#include "lab/chart.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace zs::lab {

namespace {

constexpr double kWidth = 960;
constexpr double kPanelHeight = 260;
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 64;  // room for the panel title and three rows of step labels
constexpr double kBottom = 40;
constexpr double kMinMs = 0.1;  // the log axis starts here; lower values sit on it

struct Axes {
  double max_s = 1;
  double max_ms = 10;
  double PlotWidth() const { return kWidth - kLeft - kRight; }
  double PlotHeight() const { return kPanelHeight - kTop - kBottom; }
  double X(double s) const { return kLeft + PlotWidth() * std::clamp(s / max_s, 0.0, 1.0); }
  double Y(double top, double ms) const {
    double v = std::log10(std::max(ms, kMinMs) / kMinMs) / std::log10(max_ms / kMinMs);
    return top + kTop + PlotHeight() * (1.0 - std::clamp(v, 0.0, 1.0));
  }
};

Axes MakeAxes(const std::vector<ChartPanel>& panels, double timeout_ms) {
  Axes axes;
  double max_ms = std::max(10.0, timeout_ms);
  for (const auto& panel : panels) {
    axes.max_s = std::max(axes.max_s, panel.duration_s);
    for (const auto& s : panel.seconds) max_ms = std::max(max_ms, s.max_ms);
  }
  axes.max_ms = std::pow(10.0, std::ceil(std::log10(max_ms)));  // a round decade on top
  return axes;
}

std::string Polyline(const std::vector<SecondStats>& seconds, const Axes& axes, double top,
                     double SecondStats::*field, const char* color, double width) {
  // One polyline per run of seconds in which requests ended: a second with
  // none (a stall) is a gap in the line, not a bridge over it.
  std::string out;
  std::string points;
  auto flush = [&] {
    if (!points.empty()) {
      out +=
          fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" points=\"{}\"/>\n",
                      color, width, points);
    }
    points.clear();
  };
  for (const auto& s : seconds) {
    if (s.requests == 0) {
      flush();
      continue;
    }
    points += fmt::format("{:.1f},{:.1f} ", axes.X(s.t + 0.5), axes.Y(top, s.*field));
  }
  flush();
  return out;
}

std::string Grid(const Axes& axes, double top, double timeout_ms) {
  std::string out;
  for (double ms = kMinMs; ms <= axes.max_ms * 1.001; ms *= 10) {
    double y = axes.Y(top, ms);
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e5e5e5\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{} ms</text>\n",
        kLeft, y, kWidth - kRight, y, kLeft - 6, y + 4,
        ms < 1 ? fmt::format("{:g}", ms) : fmt::format("{:.0f}", ms));
  }
  double step_s = axes.max_s > 120 ? 30 : axes.max_s > 40 ? 10 : axes.max_s > 12 ? 5 : 1;
  double bottom = top + kPanelHeight - kBottom;
  for (double s = 0; s <= axes.max_s + 1e-9; s += step_s) {
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\">{:.0f} s</text>\n",
        axes.X(s), bottom + 16, s);
  }
  double y = axes.Y(top, timeout_ms);
  out += fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#c0392b\" "
      "stroke-dasharray=\"4 3\"/><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" "
      "font-size=\"10\" fill=\"#c0392b\">client timeout</text>\n",
      kLeft, y, kWidth - kRight, y, kWidth - kRight - 2, y - 3);
  return out;
}

std::string Steps(const ChartPanel& panel, const Axes& axes, double top) {
  std::string out;
  double y0 = top + kTop;
  double height = axes.PlotHeight();
  for (size_t i = 0; i < panel.steps.size(); ++i) {
    const ChartStep& step = panel.steps[i];
    double x = axes.X(step.start_s);
    double width = std::max(1.5, axes.X(step.start_s + step.duration_s) - x);
    out += fmt::format(
        "<rect class=\"step\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"#3b82f6\" fill-opacity=\"0.12\" stroke=\"#3b82f6\" stroke-opacity=\"0.5\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" fill=\"#1d4ed8\">{}</text>\n",
        x, y0, width, height, x + 2, y0 - 4 - 11.0 * static_cast<double>(i % 3),
        XmlEscape(step.name));
  }
  return out;
}

// Seconds that were down get a red tick under the axis; the count of failed
// requests is in the tooltip.
std::string DownMarks(const ChartPanel& panel, const Axes& axes, double top) {
  std::string out;
  double bottom = top + kPanelHeight - kBottom;
  for (const auto& s : panel.seconds) {
    if (s.up) continue;
    double x = axes.X(s.t);
    out += fmt::format(
        "<rect class=\"down\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"5\" "
        "fill=\"#dc2626\"><title>second {}: down, {} failed of {}</title></rect>\n",
        x, bottom + 1, std::max(1.0, axes.X(s.t + 1) - x), s.t, s.errors, s.requests);
  }
  return out;
}

std::string Panel(const ChartPanel& panel, const Axes& axes, double top, double timeout_ms) {
  int down = 0;
  for (const auto& s : panel.seconds) down += s.up ? 0 : 1;
  std::string out = fmt::format(
      "<g class=\"panel\"><text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"14\" "
      "font-weight=\"bold\">{}</text><text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" "
      "text-anchor=\"end\">{} of {} seconds down (red)</text>\n",
      kLeft, top + 18, XmlEscape(panel.title), kWidth - kRight, top + 18, down,
      panel.seconds.size());
  out += Grid(axes, top, timeout_ms);
  out += Steps(panel, axes, top);
  out += Polyline(panel.seconds, axes, top, &SecondStats::max_ms, "#f59e0b", 1.2);
  out += Polyline(panel.seconds, axes, top, &SecondStats::p99_ms, "#111827", 1.8);
  out += DownMarks(panel, axes, top);
  return out + "</g>\n";
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderLatencyChart(const std::vector<ChartPanel>& panels, double timeout_ms) {
  Axes axes = MakeAxes(panels, timeout_ms);
  double height = kPanelHeight * static_cast<double>(panels.size()) + 30;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "viewBox=\"0 0 {:.0f} {:.0f}\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kWidth, height, kWidth, height);
  for (size_t i = 0; i < panels.size(); ++i) {
    out += Panel(panels[i], axes, kPanelHeight * static_cast<double>(i), timeout_ms);
  }
  out += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">per-second latency of completed "
      "requests: <tspan fill=\"#111827\">p99 (dark)</tspan>, <tspan fill=\"#b45309\">max "
      "(orange)</tspan>; blue bands: migration steps; red ticks: seconds down</text>\n",
      kLeft, height - 10);
  return out + "</svg>\n";
}

}  // namespace zs::lab
