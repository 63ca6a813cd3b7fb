// The registry of lint rules: id, default severity, what goes wrong and the
// safe way. The checks themselves live in rules_<family>.cc; this table is what
// `zeroshift lint --list-rules`, the SARIF rule metadata and the README read.
#pragma once

#include <span>
#include <string_view>

#include "lint/finding.h"

namespace zs::lint {

struct RuleInfo {
  std::string_view id;
  Severity severity;
  std::string_view summary;   // what the rule flags, one sentence
  std::string_view safe_way;  // what to do instead, one or two sentences
};

// The batch size the advice of the data rules suggests (UPDATE ... LIMIT n, repeated).
inline constexpr int kSuggestedBatchRows = 1000;

std::span<const RuleInfo> AllRules();
// nullptr when `id` is not a rule.
const RuleInfo* FindRule(std::string_view id);

}  // namespace zs::lint
