// `zeroshift lint`: reads SQL migration files with PostgreSQL's parser and reports
// what takes dangerous locks, rewrites tables or breaks running clients, with
// the safe alternative. One linter lints the files of one run in order and
// remembers the schema they create, as migrations build on each other.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lint/catalog.h"
#include "lint/check.h"
#include "lint/finding.h"
#include "lint/state.h"

namespace zs::lint {

struct LintOptions : Options {
  std::set<std::string> excluded_rules;        // never reported
  std::map<std::string, Severity> severities;  // per-rule severity overrides
};

// Files above this size are reported as one finding and not linted.
inline constexpr size_t kMaxLintBytes = size_t{256} << 20;

class Linter {
 public:
  explicit Linter(LintOptions options, const Catalog& catalog = Catalog::Builtin());

  // Lints `text` as the file `file_name`. Never fails and never throws on any
  // input: what does not parse becomes a syntax-error finding. Findings are in
  // file order.
  std::vector<Finding> LintText(std::string_view text, const std::string& file_name);

 private:
  void LintOnThisThread(std::string_view text, const std::string& file_name,
                        std::vector<Finding>& out);

  LintOptions options_;
  const Catalog& catalog_;
  SchemaMemory schema_;
};

// One file, fresh schema memory.
std::vector<Finding> LintSql(std::string_view text, const std::string& file_name,
                             const LintOptions& options = {});

}  // namespace zs::lint
