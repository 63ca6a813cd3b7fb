#include "fleet/fleet_status.h"

#include <fmt/format.h>

#include "fleet/runner.h"
#include "pg/connection.h"

namespace zs::fleet {

std::string BackfillText(const std::vector<engine::BackfillStatus>& backfill) {
  std::string out;
  for (const engine::BackfillStatus& b : backfill) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} {}", b.target, b.rows_done);
    if (b.rows_estimate >= 0) out += fmt::format("/{}", b.rows_estimate);
    out += " rows (";
    if (b.percent) out += fmt::format("{:.1f}%, ", *b.percent);
    out += b.state + ")";
  }
  return out;
}

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
        if (own.ok()) {
          report.step = own->step;
          report.backfill = own->backfill;
        }
        if (!own.ok()) report.own_error = own.status().ToString();
        return true;
      },
      [] { return false; });
  return reports;
}

}  // namespace zs::fleet
