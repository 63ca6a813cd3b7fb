// The lint configuration file, .zeroshift-lint.yaml:
//
//   pg_version: 15                  # the target server, 12 to 17
//   assume_in_transaction: false    # the migration tool wraps each file in a transaction
//   fail_on: warning                # error | warning | info | none
//   exclude: [rename-column]        # rules never reported
//   severity: {unbatched-dml: error}
//   paths: [migrations]             # what `zeroshift lint` reads when given no file
//   exclude_paths: ["migrations/archive/*"]
//
// Paths are relative to the file's directory. Unknown keys are errors.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "lint/finding.h"

namespace zs::lint {

inline constexpr const char* kConfigFileName = ".zeroshift-lint.yaml";

struct LintConfig {
  std::string source;  // the file it was read from
  std::optional<int> pg_version;
  std::optional<bool> assume_in_transaction;
  std::optional<std::string> fail_on;  // "error", "warning", "info" or "none"
  std::vector<std::string> exclude;
  std::map<std::string, Severity> severity;
  std::vector<std::string> paths;          // resolved against the file's directory
  std::vector<std::string> exclude_paths;  // glob patterns, resolved likewise
};

// Reads and validates a configuration file.
Result<LintConfig> LoadLintConfig(const std::string& path);
Result<LintConfig> ParseLintConfig(const std::string& text, const std::string& path);

// The nearest .zeroshift-lint.yaml in `start` or a parent directory, if any.
std::optional<std::filesystem::path> FindLintConfig(const std::filesystem::path& start);

}  // namespace zs::lint
