// What zeroshift created, on MariaDB (ownership.h says how PostgreSQL knows
// it: records by catalog identity). MariaDB has no object identifiers that
// survive a rename or tell a re-created object apart, so ownership is read
// from names and markers that only zeroshift writes:
//   - a trigger: its name starts with `_zs_` and its body with the label
//     `zs_dual_write:` (triggers/mariadb_dual_write.h), which a trigger
//     written by hand under that name would not have by accident;
//   - a version database: its comment (versions::MariadbVersionComment);
//   - a column: its name starts with `_zs_` (the temporary columns and the
//     marker column). A column cannot carry a marker of its own that survives
//     the user's ALTERs, so a column is zeroshift's only because start refused
//     to begin when one of those names was taken (MariadbRefuseForeignObjects)
//     and the names are zeroshift's from then on.
// Before start creates anything, MariadbRefuseForeignObjects refuses every
// object it would create whose name is already taken by an object that is
// not zeroshift's: CREATE OR REPLACE TRIGGER would otherwise replace the
// user's trigger, and the contract would drop the user's column.
//
// TracksObjects (ownership.h) answers false on MariaDB: there are no identity
// records, and drops go by these names and markers.
#pragma once

#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/ownership.h"

namespace zs::engine {

// True when `ref` (kind trigger, column or schema; schema = a database)
// exists and carries zeroshift's marker as above; false when it does not
// exist or is someone else's. kInvalidInput for another kind.
Result<bool> MariadbOwnsObject(backend::Session& session, const ObjectRef& ref);

// kConflict listing every object of `will_create` that exists and is not
// zeroshift's, each with what to do; OK when every name is free or already
// zeroshift's (a trigger or version database of a start resumed after a
// crash). For a fresh start: every column of `will_create` that exists is
// refused, since start has not added it yet.
Status MariadbRefuseForeignObjects(backend::Session& session,
                                   const std::vector<ObjectRef>& will_create);

}  // namespace zs::engine
