// The fleet's journal: one JSON file per fleet and migration that records, per
// target, how far this fleet took it. Written whole to a temporary file, synced
// and renamed over the old one at every change, so a runner killed at any
// point (kill -9) leaves the previous or the next version, never half of one:
// the same command then resumes from it. A lock file beside it (flock, freed by
// the kernel when the runner dies) keeps a second runner out while one works.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace zs::fleet {

enum class JournalState {
  kPending,      // not touched by this fleet yet
  kStarting,     // `start` is running (or the runner died during it)
  kStarted,      // started: both versions live
  kCompleting,   // `complete` is running
  kCompleted,    // completed (never rolled back by the fleet)
  kRollingBack,  // `rollback` is running
  kRolledBack,   // rolled back by the fleet
  kFailed,       // the last command on it failed: `error` says how
};

// The stored string of `state` ("pending", "rolled_back", ...).
std::string_view JournalStateName(JournalState state);
Result<JournalState> JournalStateFromName(std::string_view name);

struct JournalEntry {
  std::string target;
  JournalState state = JournalState::kPending;
  bool canary = false;
  // The fleet began this target's migration itself (it was absent there), so
  // a failure elsewhere may roll it back; false for a target whose migration
  // someone else had begun.
  bool started_by_fleet = false;
  std::string error;       // the last failure, passwords redacted; "" when none
  std::string updated_at;  // UTC, ISO 8601
};

class Journal {
 public:
  // Opens the journal at `path` for `migration`, creating it when absent, and
  // takes its lock (kConflict when another runner holds it). Targets missing
  // from the file are added as pending; a file of another migration is refused.
  static Result<std::unique_ptr<Journal>> Open(const std::string& path,
                                               const std::string& migration,
                                               const std::vector<std::string>& targets);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // The default path: beside the targets file, named after it and the migration.
  static std::string DefaultPath(const std::string& targets_file, const std::string& migration);

  // Changes `target`'s entry with `change` and writes the file. Thread-safe.
  Status Update(const std::string& target, const std::function<void(JournalEntry&)>& change);
  // Update that sets the state and the error ("" clears it).
  Status Set(const std::string& target, JournalState state, const std::string& error = "");

  JournalEntry Entry(const std::string& target) const;
  std::vector<JournalEntry> Entries() const;
  const std::string& path() const { return path_; }

 private:
  Journal(std::string path, std::string migration, int lock_fd);
  Status Load();
  Status Save() const;  // the caller holds mutex_

  std::string path_;
  std::string migration_;
  int lock_fd_ = -1;
  mutable std::mutex mutex_;
  std::vector<JournalEntry> entries_;
};

// Reads the journal at `path` without taking its lock (for `fleet status`,
// beside a running fleet): nullopt when there is none.
Result<std::optional<std::vector<JournalEntry>>> ReadJournal(const std::string& path,
                                                             const std::string& migration);

}  // namespace zs::fleet
