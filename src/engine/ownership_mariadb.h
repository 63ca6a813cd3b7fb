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
// Start also records every object it creates, with InnoDB's id for tables
// and indexes (ownership_mariadb_records.h); complete and rollback check
// their drops against those records (MariadbWithoutForeignDrops).
//
// TracksObjects (ownership.h) answers false on MariaDB: it reads
// PostgreSQL's records; MariaDB's are read through
// ownership_mariadb_records.h.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/ownership.h"
#include "engine/ownership_mariadb_records.h"
#include "ops/action.h"

namespace zs::engine {

// True when `ref` (kind trigger, column or schema; schema = a database)
// exists and carries zeroshift's marker as above; false when it does not
// exist or is someone else's. A table, index or constraint carries no marker:
// false. kInvalidInput for another kind.
Result<bool> MariadbOwnsObject(backend::Session& session, const ObjectRef& ref);

// kConflict listing every object of `will_create` that exists and is not
// zeroshift's, each with what to do; OK when every name is free or already
// zeroshift's (a trigger or version database of a start resumed after a
// crash). For a fresh start: every column of `will_create` that exists is
// refused, since start has not added it yet.
Status MariadbRefuseForeignObjects(backend::Session& session,
                                   const std::vector<ObjectRef>& will_create);

// What zeroshift's own MariaDB statement `sql` (one per Action) creates, read
// with MariaDB's lexer (PostgreSQL's parser cannot read backticks): the
// trigger of CREATE [OR REPLACE] TRIGGER (also behind SET STATEMENT ... FOR),
// the table of CREATE TABLE, the index of CREATE INDEX, and the columns,
// indexes and constraints an ALTER TABLE adds. Unqualified names are in
// `database`. Databases are left out: the version database is checked on its
// own (engine_checks.cc). Empty for what does not lex.
std::vector<ObjectRef> MariadbCreatedObjects(const std::string& sql, const std::string& database);

// Every object the actions create (MariadbCreatedObjects), deduplicated in
// order, then MariadbRefuseForeignObjects: for plan and start, before
// anything runs. User SQL (`sql` operations) is left out: it is the user's.
Status MariadbCheckCreatedNamesFree(backend::Session& session, const std::string& database,
                                    const std::vector<const std::vector<ops::Action>*>& actions);

// What complete or rollback knows of what start created (records.h): the
// migration's records, and whether an object without a record is foreign.
struct MariadbDropRecords {
  std::string database;  // the migrated database: unqualified names are in it
  std::vector<MariadbRecord> records;
  // Rollback of a migration that records what it creates: everything it
  // drops must be recorded. Complete also drops the user's old shape (the old
  // column of a swap) on purpose: unrecorded objects are dropped there.
  bool strict = false;
};

// `action` as complete or rollback runs it. A DROP of a dual-write trigger
// (`_zs_` name) or a version database that exists and is not zeroshift's by
// its marker (MariadbOwnsObject) is left out. With `records`, also every DROP
// (DROP TABLE / INDEX / TRIGGER, ALTER TABLE ... DROP COLUMN / INDEX /
// FOREIGN KEY / CONSTRAINT) of an object that exists but is recorded with
// another identity (replaced), or is not recorded at all when
// records->strict. A statement left with no DROP becomes `DO 0`; `log` names
// each object left alone and why.
Result<ops::Action> MariadbWithoutForeignDrops(backend::Session& session, const ops::Action& action,
                                               const std::function<void(const std::string&)>& log,
                                               const MariadbDropRecords* records = nullptr);

}  // namespace zs::engine
