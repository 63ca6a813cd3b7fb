// The migration history of a schema as the user sees it: one entry per
// migration file, from the latest baseline on (a row that started several
// migrations as one version counts as each of them), and how a directory of
// migration files lines up with it. Pure: no database, no files.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "state/state_store.h"

namespace zs::history {

struct Entry {
  std::string name;
  std::string migration_json;  // the stored migration content
  std::string row;             // name of the state row that holds it (its own name, or the
                               // last migration of a single-version start)
  bool done = false;
  bool baseline = false;
  state::Step step = state::Step::kStarting;
  std::string version_schema;
  std::string created_at;
};

// `records` in history order (StateStore::History), expanded into entries
// and cut at the latest baseline (which becomes the first entry).
std::vector<Entry> Entries(const std::vector<state::MigrationRecord>& records);

// Where `local` (the directory's migration names, in order) stands against
// `history`: the index in `local` of the first pending migration. The history
// must be a prefix of `local`, or, when it starts with a baseline, a prefix of
// `local` from the baseline's file on (the files before it are part of the
// baseline). Otherwise an error names both sides: the migration the history
// has and the directory lacks, or the position where the two orders differ.
// `dir` is only for messages.
Result<size_t> FirstPending(const std::vector<Entry>& history,
                            const std::vector<std::string>& local, const std::string& dir);

}  // namespace zs::history
