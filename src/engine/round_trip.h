// The round trip of each `up` / `down` pair, checked on live rows before
// start: `down(up(row))` must give back what the row holds, or a write
// through the new version (which runs `down`) changes what the old version
// reads. "Jean Claude Van Damme" split with split_part(name, ' ', 2) and
// joined back gives "Jean Claude": validate and plan say so, with examples.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/connection.h"
#include "schema/schema.h"
#include "triggers/dual_write.h"

namespace zs::engine {

struct RoundTripOptions {
  int sample_rows = 1000;  // the first rows of each table, read once
  int examples = 3;        // rows shown per lossy pair
  int value_chars = 40;    // longer values are cut, so a message never carries a whole document
};

// One warning per lossy `down` (and one per pair that could not be
// checked). `specs` are the plan's trigger specs, expressions resolved
// (Plan::trigger_specs); `snapshots` the plan's (front: the live schema,
// back: the new shape). A `down` is checked when every column it reads is
// either filled by an `up` of its table or a column the table has now.
// Runs in its own READ ONLY transaction with a short statement_timeout;
// REQUIRES: `conn` is not in a transaction.
Result<std::vector<std::string>> CheckRoundTrips(backend::Session& session,
                                                 const std::vector<triggers::TriggerSpec>& specs,
                                                 const std::vector<schema::Schema>& snapshots,
                                                 const RoundTripOptions& options = {});

}  // namespace zs::engine
