#include <fmt/format.h>

#include "lint/report.h"

namespace zs::lint {
namespace {

struct Palette {
  std::string_view reset, bold, dim, error, warning, info, help;
};
constexpr Palette kPlain{"", "", "", "", "", "", ""};
constexpr Palette kColor{"\033[0m",    "\033[1m",    "\033[2m", "\033[1;31m",
                         "\033[1;33m", "\033[1;36m", "\033[32m"};

std::string_view SeverityColor(const Palette& p, Severity severity) {
  switch (severity) {
    case Severity::kError:
      return p.error;
    case Severity::kWarning:
      return p.warning;
    case Severity::kInfo:
      return p.info;
  }
  return p.error;
}

// Spaces up to `column` (1-based, code points), keeping the line's tabs so
// the caret lines up in a terminal.
std::string CaretPadding(std::string_view line, int column) {
  std::string pad;
  int seen = 1;
  for (size_t i = 0; i < line.size() && seen < column; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    pad += c == '\t' ? '\t' : ' ';
    ++seen;
  }
  while (seen++ < column) pad += ' ';
  return pad;
}

std::string Indent(std::string_view text, std::string_view prefix) {
  std::string out(prefix);
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

std::string Plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string FormatText(const std::vector<Finding>& findings, int files_checked, bool color) {
  const Palette& p = color ? kColor : kPlain;
  std::string out;
  size_t counts[3] = {0, 0, 0};
  for (const Finding& f : findings) {
    ++counts[static_cast<int>(f.severity)];
    std::string gutter(std::to_string(f.line).size(), ' ');
    out += fmt::format("{}{}:{}:{}:{} {}{}[{}]{}: {}\n", p.bold, f.file, f.line, f.column, p.reset,
                       SeverityColor(p, f.severity), SeverityName(f.severity), f.rule, p.reset,
                       f.message);
    out += fmt::format("{} {}|{}\n", gutter, p.dim, p.reset);
    out += fmt::format("{}{} |{} {}\n", p.dim, f.line, p.reset, f.source_line);
    out +=
        fmt::format("{} {}|{} {}{}^{}\n", gutter, p.dim, p.reset,
                    CaretPadding(f.source_line, f.column), SeverityColor(p, f.severity), p.reset);
    if (!f.help.empty()) out += fmt::format("{} {}={} help: {}\n", gutter, p.dim, p.reset, f.help);
    if (!f.rewrite.empty()) {
      out += fmt::format("{} {}={} instead:\n{}{}{}\n", gutter, p.dim, p.reset, p.help,
                         Indent(f.rewrite, gutter + "     "), p.reset);
    }
    out += "\n";
  }
  if (findings.empty()) {
    out += fmt::format("no findings in {}\n", Plural(files_checked, "file"));
  } else {
    out += fmt::format("{} in {}: {}, {}, {} info\n", Plural(findings.size(), "finding"),
                       Plural(files_checked, "file"), Plural(counts[2], "error"),
                       Plural(counts[1], "warning"), counts[0]);
  }
  return out;
}

}  // namespace zs::lint
