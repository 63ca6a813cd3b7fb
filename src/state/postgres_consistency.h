// Whether the active migration's row in zeroshift.migrations agrees with the
// catalog it describes, on PostgreSQL: what `zeroshift status` checks before
// it says what to do next.
//
// zeroshift commits every record with its DDL (state_store.h's *Sql
// contract), and PostgreSQL replays WAL in commit order, so a crash, a
// point-in-time restore or a failover to a standby that missed the last
// transactions always leaves them agreeing. They disagree when something else
// changed one without the other: an object zeroshift created dropped by hand,
// a restore of the zeroshift schema alone, a logical copy of part of the
// database. Completing then would build on what is not there.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"
#include "state/state_store.h"

namespace zs::state {

// One sentence per disagreement between `active` (the schema's active
// migration) and the catalog, each naming the object and saying what to do;
// empty when they agree. Checked: the version schema, from the step that
// creates it (backfilling) until rollback's first action; every object
// recorded in zeroshift.created_objects for the migration, while no complete
// or rollback is dropping them.
Result<std::vector<std::string>> PostgresRecordDisagreements(pg::Connection& conn,
                                                             const MigrationRecord& active);

}  // namespace zs::state
