#include "history/history.h"

#include <fmt/format.h>

#include <algorithm>

namespace zs::history {

namespace {

Entry EntryOf(const state::MigrationRecord& record, const std::string& name,
              const std::string& migration_json) {
  return {.name = name,
          .migration_json = migration_json,
          .row = record.name,
          .done = record.done,
          .baseline = record.baseline,
          .step = record.step,
          .version_schema = record.version_schema,
          .created_at = record.created_at};
}

}  // namespace

std::vector<Entry> Entries(const std::vector<state::MigrationRecord>& records) {
  auto baseline = std::find_if(records.rbegin(), records.rend(),
                               [](const state::MigrationRecord& r) { return r.baseline; });
  auto first = baseline == records.rend() ? records.begin() : std::prev(baseline.base());
  std::vector<Entry> entries;
  for (auto it = first; it != records.end(); ++it) {
    if (it->parts.empty()) {
      entries.push_back(EntryOf(*it, it->name, it->migration_json));
      continue;
    }
    for (const auto& part : it->parts) {
      entries.push_back(EntryOf(*it, part.name, part.migration_json));
    }
  }
  return entries;
}

Result<size_t> FirstPending(const std::vector<Entry>& history,
                            const std::vector<std::string>& local, const std::string& dir) {
  size_t offset = 0;
  if (!history.empty() && history.front().baseline) {
    auto at = std::find(local.begin(), local.end(), history.front().name);
    if (at == local.end()) {
      return InvalidInput(fmt::format(
          "the history of this schema starts at baseline \"{}\", which {} does not have; "
          "`zeroshift pull {}` writes it",
          history.front().name, dir, dir));
    }
    offset = static_cast<size_t>(at - local.begin());
  }
  for (size_t i = 0; i < history.size(); ++i) {
    const std::string& applied = history[i].name;
    size_t position = offset + i;
    if (position < local.size() && local[position] == applied) continue;
    bool elsewhere = std::find(local.begin(), local.end(), applied) != local.end();
    if (elsewhere) {
      return InvalidInput(fmt::format(
          "the order of {} differs from the history: migration {} of the history is \"{}\", "
          "but {} has \"{}\" there; keep applied migrations in the order they were applied "
          "(rename files or fix .ledger)",
          dir, i + 1, applied, dir, local[position]));
    }
    std::string there = position < local.size()
                            ? fmt::format(" ({} has \"{}\" in its place)", dir, local[position])
                            : "";
    return InvalidInput(
        fmt::format("the history has migration \"{}\" (applied {}), which {} does not have{}; "
                    "`zeroshift pull {}` writes the applied migrations back",
                    applied, history[i].created_at, dir, there, dir));
  }
  return offset + history.size();
}

}  // namespace zs::history
