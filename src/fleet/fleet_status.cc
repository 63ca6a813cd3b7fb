#include "fleet/fleet_status.h"

#include "fleet/runner.h"
#include "pg/connection.h"

namespace zs::fleet {

std::vector<TargetReport> ReadFleetStatus(const std::vector<Target>& targets, TargetOps& ops,
                                          const std::optional<std::vector<JournalEntry>>& journal,
                                          int parallel) {
  std::vector<TargetReport> reports(targets.size());
  ForEachParallel(
      targets.size(), parallel,
      [&](size_t i) {
        const Target& target = targets[i];
        TargetReport& report = reports[i];  // each thread writes its own slot
        report.name = target.name;
        report.url = pg::RedactPassword(target.url);
        if (journal) {
          for (const JournalEntry& e : *journal) {
            if (e.target == target.name) report.journal = e;
          }
        }
        Result<OwnState> own = ops.Read(target);
        report.own = own.ok() ? OwnStateName(*own) : "unreachable";
        if (!own.ok()) report.own_error = own.status().ToString();
        return true;
      },
      [] { return false; });
  return reports;
}

}  // namespace zs::fleet
