// The fleet runner: one migration's start, complete or rollback across many
// targets. `start` runs the canary's start AND complete first, then starts the
// rest with at most `parallel` at once; on the first failure no new target
// begins, those in flight finish, and every target this fleet started that is
// not completed is rolled back. Each step is written to the journal first, and
// each decision reads the target's own state, so the same command after the
// runner died resumes: completed targets are skipped, active ones continue.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "fleet/journal.h"
#include "fleet/target_ops.h"
#include "fleet/targets.h"

namespace zs::fleet {

struct RunOptions {
  int parallel = 1;
  std::string canary;  // "" for none, "first", or a target's name
  // Receives the fleet's own lines ("t2: started").
  std::function<void(const std::string&)> log;
  // True once the user asked to stop (Ctrl-C): no new target begins and
  // nothing is rolled back; the same command resumes.
  std::function<bool()> interrupted;
};

Status FleetStart(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                  const RunOptions& options);
// Completes every started target; refuses, before touching any, when one is
// neither started nor completed.
Status FleetComplete(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                     const RunOptions& options);
// Rolls back every target where the migration is active; completed ones are
// reported, not touched. Goes on past a failure, and reports them all.
Status FleetRollback(const std::vector<Target>& targets, TargetOps& ops, Journal& journal,
                     const RunOptions& options);

// Runs `work(i)` for i in [0, count) on at most `parallel` threads; once
// `work` returns false or `stop()` holds, no new index begins (those running
// finish). Exposed for its test.
void ForEachParallel(size_t count, int parallel, const std::function<bool(size_t)>& work,
                     const std::function<bool()>& stop);

}  // namespace zs::fleet
