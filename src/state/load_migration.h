// The one place a stored migration row becomes a typed MigrationRecord: the
// step string is checked against the steps this zeroshift knows and the
// schema snapshots are parsed, once. Engine, doctor, drift and status read
// the state through these functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "state/state_store.h"

namespace zs::state {

// `row` typed. kInternal when its step is unknown or a stored schema does not
// parse; the message names the migration and says what to do.
Result<MigrationRecord> LoadMigration(const StoredMigration& row);

// The schema's active (not done) migration; nullopt when there is none.
Result<std::optional<MigrationRecord>> LoadActiveMigration(StateStore& store,
                                                           const std::string& schema);
// The schema's latest completed migration; nullopt when there is none.
Result<std::optional<MigrationRecord>> LoadLatestDoneMigration(StateStore& store,
                                                               const std::string& schema);
// Every migration of the schema, oldest first.
Result<std::vector<MigrationRecord>> LoadHistory(StateStore& store, const std::string& schema);

}  // namespace zs::state
