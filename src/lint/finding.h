// What `zeroshift lint` reports: one finding per hazard, with where it is, what
// happens in production, and the safe way to get the same change.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zs::lint {

enum class Severity { kInfo = 0, kWarning = 1, kError = 2 };

std::string_view SeverityName(Severity severity);  // "info", "warning", "error"
std::optional<Severity> ParseSeverity(std::string_view name);

struct Finding {
  std::string rule;  // a rule id of the registry (rules.h)
  Severity severity = Severity::kWarning;
  std::string file;
  int line = 0;      // 1-based
  int column = 0;    // 1-based, in characters (Unicode code points)
  int end_line = 0;  // end of the statement the finding is about
  int end_column = 0;
  std::string message;      // what goes wrong, naming the table and column
  std::string help;         // the safe way
  std::string rewrite;      // SQL that does the same safely, when there is one ("" otherwise)
  std::string source_line;  // the text of `line`, for the caret display

  bool operator==(const Finding&) const = default;
};

}  // namespace zs::lint
