#include <fmt/format.h>

#include "lint/report.h"

namespace zs::lint {
namespace {

// Workflow command escaping: the message and property values.
std::string EscapeData(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeProperty(std::string_view text) {
  std::string out;
  for (char c : EscapeData(text)) {
    if (c == ':') {
      out += "%3A";
    } else if (c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view Command(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "notice";
  }
  return "error";
}

}  // namespace

std::string FormatGithub(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    std::string message = f.message;
    if (!f.help.empty()) message += "\nSafe way: " + f.help;
    if (!f.rewrite.empty()) message += "\nInstead:\n" + f.rewrite;
    out += fmt::format("::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                       Command(f.severity), EscapeProperty(f.file), f.line, f.column,
                       std::max(f.end_line, f.line), f.end_column,
                       EscapeProperty("zeroshift lint: " + f.rule), EscapeData(message));
  }
  return out;
}

}  // namespace zs::lint
