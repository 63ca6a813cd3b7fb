// Whether the server `zeroshift status` reads is a PostgreSQL standby in
// recovery (engine_status.cc). A standby answers reads, so status works
// there, but what it shows is what it replayed from the primary, and every
// command that changes something must run against the primary.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "engine/engine.h"

namespace zs::engine {

struct StandbyStatus {
  std::string server;          // host:port (database "app"), no user or password
  std::string replayed_as_of;  // pg_last_xact_replay_timestamp(); "" when none yet
  std::string note;            // the sentence for the user, naming both
};

// nullopt on a primary, and on MariaDB (not asked there).
Result<std::optional<StandbyStatus>> ReadStandbyStatus(Engine& engine);

}  // namespace zs::engine
