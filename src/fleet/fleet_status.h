// `zeroshift fleet status`: per target, what the journal says and what the
// target's own zeroshift state says (the journal may be behind: a runner that
// died, a target changed by hand). The CLI prints it as a table or JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/status_report.h"
#include "fleet/journal.h"
#include "fleet/target_ops.h"
#include "fleet/targets.h"

namespace zs::fleet {

struct TargetReport {
  std::string name;
  std::string url;                               // password redacted
  std::optional<JournalEntry> journal;           // nullopt: no journal, or not in it
  std::string own;                               // OwnStateName, or "unreachable"
  std::string own_error;                         // why it could not be read ("" when read)
  std::optional<state::Step> step;               // the migration's step there while active
  std::vector<engine::BackfillStatus> backfill;  // its backfill there, per table
};

// "users.nickname 40/50 rows (80.0%, running)", one per backfill joined by "; "; "" when none.
std::string BackfillText(const std::vector<engine::BackfillStatus>& backfill);

// Reads every target's own state, at most `parallel` at once.
std::vector<TargetReport> ReadFleetStatus(const std::vector<Target>& targets, TargetOps& ops,
                                          const std::optional<std::vector<JournalEntry>>& journal,
                                          int parallel);

}  // namespace zs::fleet
