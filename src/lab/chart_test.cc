// The SVG chart: valid XML (checked by xmllint when installed), one band per
// step, one red mark per down second, escaped labels, shared axes.
#include "lab/chart.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace zs::lab {
namespace {

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

ChartPanel Panel(const std::string& title, int seconds, std::vector<int> down_seconds) {
  ChartPanel panel{.title = title, .duration_s = static_cast<double>(seconds)};
  for (int t = 0; t < seconds; ++t) {
    SecondStats s{.t = t, .requests = 200, .p99_ms = 1.5, .max_ms = 4};
    for (int d : down_seconds) {
      if (d == t)
        s = {.t = t, .requests = 3, .errors = 3, .p99_ms = 2000, .max_ms = 2000, .up = false};
    }
    panel.seconds.push_back(s);
  }
  return panel;
}

TEST(LabChart, EscapesXml) {
  EXPECT_EQ(XmlEscape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
}

TEST(LabChart, DrawsStepsDownSecondsAndBothPanels) {
  ChartPanel naive = Panel("naive", 10, {4, 5, 6});
  naive.steps = {{.name = "UPDATE users SET first_name = ...", .start_s = 3, .duration_s = 2.5},
                 {.name = "DROP <name>", .start_s = 5.5, .duration_s = 0.01}};
  ChartPanel ec = Panel("expand-contract", 12, {});
  ec.steps = {{.name = "expand", .start_s = 2, .duration_s = 0.1},
              {.name = "backfill", .start_s = 2.2, .duration_s = 4}};
  std::string svg = RenderLatencyChart({naive, ec}, 2000);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"panel\""), 2);
  EXPECT_EQ(Count(svg, "class=\"step\""), 4);
  EXPECT_EQ(Count(svg, "class=\"down\""), 3);
  EXPECT_EQ(Count(svg, "<polyline"), 4);  // p99 and max per panel
  EXPECT_NE(svg.find("DROP &lt;name&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("DROP <name>"), std::string::npos);
  EXPECT_NE(svg.find("client timeout"), std::string::npos);
  // 2000 ms maxima round the shared axis up to the next decade.
  EXPECT_NE(svg.find(">10000 ms<"), std::string::npos);

  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  auto path = std::filesystem::temp_directory_path() / "zs_lab_chart_test.svg";
  std::ofstream(path) << svg;
  EXPECT_EQ(std::system(("xmllint --noout " + path.string()).c_str()), 0);
  std::filesystem::remove(path);
}

TEST(LabChart, SecondsWithoutAnswersBreakTheLine) {
  ChartPanel panel = Panel("stall", 6, {});
  panel.seconds[2].requests = 0;
  panel.seconds[3].requests = 0;
  std::string svg = RenderLatencyChart({panel}, 2000);
  EXPECT_EQ(Count(svg, "<polyline"), 4);  // p99 and max, each before and after the gap
}

TEST(LabChart, EmptyPanelsRender) {
  ChartPanel panel{.title = "idle", .duration_s = 3};
  panel.seconds = {{.t = 0, .requests = 0}, {.t = 1, .requests = 0}, {.t = 2, .requests = 0}};
  std::string svg = RenderLatencyChart({panel}, 2000);
  EXPECT_EQ(Count(svg, "<polyline"), 0);
  EXPECT_NE(svg.find("0 of 3 seconds down"), std::string::npos);
}

}  // namespace
}  // namespace zs::lab
