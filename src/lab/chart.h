// The latency-over-time chart of the headless report: one panel per scenario,
// per-second p99 and maximum on a logarithmic axis, failed and down seconds
// marked, and the migration's steps drawn as labelled bands. Plain SVG text.
#pragma once

#include <string>
#include <vector>

#include "lab/metrics.h"

namespace zs::lab {

struct ChartStep {
  std::string name;
  double start_s = 0;
  double duration_s = 0;
};

struct ChartPanel {
  std::string title;
  double duration_s = 0;
  std::vector<SecondStats> seconds;
  std::vector<ChartStep> steps;
};

// An SVG document. `timeout_ms` is drawn as a reference line (the clients'
// statement_timeout). Panels share the time and latency axes so they compare.
std::string RenderLatencyChart(const std::vector<ChartPanel>& panels, double timeout_ms);

// Text with &, <, >, " and ' escaped for XML.
std::string XmlEscape(const std::string& text);

}  // namespace zs::lab
