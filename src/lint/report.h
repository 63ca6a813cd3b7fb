// The output formats of `zeroshift lint`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lint/finding.h"

namespace zs::lint {

// file:line:col, the source line with a caret under the column, the help and
// the rewrite; then a summary line. `color` adds ANSI colors (a terminal).
std::string FormatText(const std::vector<Finding>& findings, int files_checked, bool color);

// A JSON array of findings: file, line, column, end_line, end_column, rule,
// severity, message, help, rewrite (only when there is one).
std::string FormatJson(const std::vector<Finding>& findings);

// SARIF 2.1.0 (one run; every registered rule in tool.driver.rules).
std::string FormatSarif(const std::vector<Finding>& findings, std::string_view tool_version);

// GitHub Actions workflow commands: ::error file=...,line=...::message.
std::string FormatGithub(const std::vector<Finding>& findings);

}  // namespace zs::lint
