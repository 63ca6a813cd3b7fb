// The interface between the linter core and the rule families: a check reads
// one statement (with its lock model and the state before it) and reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lint/catalog.h"
#include "lint/classify.h"
#include "lint/finding.h"
#include "lint/source.h"
#include "lint/state.h"

namespace zs::lint {

struct Options {
  int pg_version = 15;  // the target server's major version, 12 to 17
  bool assume_in_transaction = false;
};

// A finding before it is placed in the file and filtered.
struct RawFinding {
  std::string_view rule;
  std::optional<Severity> severity;  // the rule's default when unset
  uint32_t offset = 0;
  std::string message;
  std::string help;
  std::string rewrite;
};

class Context {
 public:
  Context(const Statement& stmt, const Effect& effect, const LintState& state,
          const Options& options, const Catalog& catalog, const class LineIndex& lines)
      : stmt(stmt),
        effect(effect),
        state(state),
        options(options),
        catalog(catalog),
        lines_(lines) {}

  const Statement& stmt;
  const Effect& effect;
  const LintState& state;  // as it was before this statement
  const Options& options;
  const Catalog& catalog;

  // REQUIRES: `rule` names a registered rule (rules.h).
  void Report(std::string_view rule, uint32_t offset, std::string message, std::string help = {},
              std::string rewrite = {}, std::optional<Severity> severity = std::nullopt) {
    findings_.push_back(
        {rule, severity, offset, std::move(message), std::move(help), std::move(rewrite)});
  }
  int LineOf(uint32_t offset) const { return lines_.At(offset).line; }
  bool InTransaction() const { return state.file.txn.open; }

  std::vector<RawFinding>& findings() { return findings_; }

 private:
  const class LineIndex& lines_;
  std::vector<RawFinding> findings_;
};

// The rule families (rules_<family>.cc). Each sees every parsed statement.
void CheckTransactionRules(Context& ctx);  // timeouts, nesting, CONCURRENTLY, locks held
void CheckIndexRules(Context& ctx);
void CheckConstraintRules(Context& ctx);
void CheckColumnRules(Context& ctx);
void CheckBreakingRules(Context& ctx);  // renames and drops
void CheckDataRules(Context& ctx);      // unbatched UPDATE / DELETE
void CheckMaintenanceRules(Context& ctx);
void CheckVersionRules(Context& ctx);

}  // namespace zs::lint
