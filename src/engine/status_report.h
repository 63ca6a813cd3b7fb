// What `zeroshift status` reports, typed: the engine reads it
// (Engine::ReadStatus, engine_status.cc); the CLI formats it
// (cli/status_json.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "state/state_store.h"
#include "state/step.h"

namespace zs::engine {

// One backfill target of the active migration and how far it got.
struct BackfillStatus {
  std::string target;  // the table
  // "finished", "paused", "running", "interrupted" (a backfill that stopped
  // with no runner left) or "stopped".
  std::string state;
  long long rows_done = 0;
  long long rows_estimate = -1;
  double rows_per_s = 0;          // rounded, as the runner's own lines show it
  std::optional<double> eta_s;    // rounded; nullopt when unknown
  std::optional<double> percent;  // 0..99.9 by the estimate; nullopt when unknown
  long long batch_rows = 0;
  long long throttled_batches = 0;
  std::string started_at;
  std::string updated_at;
  bool finished = false;
  std::string last_throttle_reason;  // "" when never throttled
  std::string interrupted_by;        // "" unless the last run stopped by a signal
};

struct ActiveStatus {
  std::string name;
  state::Step step = state::Step::kStarting;
  // The session holding the schema's advisory lock: the zeroshift process at work.
  std::optional<state::LockHolder> runner;
  std::string next;  // what to do next, for the user
  std::string version_schema;
  std::string started_at;
  std::vector<BackfillStatus> backfill;
  state::BackfillControl control;
};

struct StatusReport {
  std::string schema;
  bool initialized = false;
  // The rest is filled only when initialized.
  size_t migrations = 0;               // rows in the history
  std::string latest_version_schema;   // "" when none
  std::optional<ActiveStatus> active;  // nullopt when no migration is active
};

}  // namespace zs::engine
