// The rehearsal phase on MariaDB (rehearsal.h says what it does on PostgreSQL).
//
// Decision: the plan is NOT rehearsed on MariaDB. PostgreSQL runs the whole
// plan in a transaction that is rolled back; MariaDB's DDL commits
// implicitly (../shared/design/mariadb.md: `BEGIN; INSERT; ALTER; ROLLBACK`
// keeps the row), so nothing can be tried and undone in place. The other way,
// a scratch database of empty copies (CREATE TABLE ... LIKE), was weighed and
// left out: every action names the application's database, so each
// statement would have to be rewritten to the copy; an empty copy does not
// show what matters on MariaDB (whether an ALTER is INSTANT or INPLACE on
// the real table, the metadata locks it waits for, views and triggers in
// other databases); and a kill -9 in the middle would leave a database that
// only a later run could clean up. What stands in for it: the dependency
// checks below run as on PostgreSQL, each operation refuses before anything
// runs what MariaDB cannot do online (ops/*/mariadb_*), and start records
// each step's intent and runs DDL that is safe to repeat, so a failure part
// way is finished by a re-run or undone by `zeroshift rollback`. The log says
// that the plan was not rehearsed and why.
//
// Trigger order needs no check here: zeroshift's MariaDB triggers are created
// FOLLOWS the user's last BEFORE trigger of their event
// (triggers/mariadb_dual_write.h), so the user's run first by construction.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "engine/rehearsal.h"

namespace zs::engine {

// What the note in the log says (also for tests).
inline constexpr const char* kMariadbNotRehearsedNote =
    "note: the plan was not rehearsed: MariaDB commits each DDL statement at once, so it cannot "
    "be tried in a transaction and rolled back; the dependency checks passed, and a start that "
    "fails part way is finished by running it again or undone by `zeroshift rollback`";

// Refuses (as CheckDependents does) a column swap whose old column views,
// generated columns or trigger bodies read; then logs kMariadbNotRehearsedNote.
Status MariadbRehearse(backend::Session& session, const std::string& schema, const PlanInput& input,
                       const Operations& operations, const RehearsalOptions& options);

// The version databases of `schema`'s migrations, from the state store
// (none when it is not initialised): their views are zeroshift's, not
// dependents of a column.
Result<std::vector<std::string>> MariadbVersionDatabases(backend::Session& session,
                                                         const std::string& schema);

// ("index" | "constraint", name) for each index on `column` of
// `schema`.`table` (information_schema.STATISTICS, PRIMARY included), each
// foreign key over it (KEY_COLUMN_USAGE) and each CHECK constraint of the
// table whose clause names it (CHECK_CONSTRAINTS stores it in backticks).
Result<std::vector<std::pair<std::string, std::string>>> MariadbIndexesAndConstraintsOn(
    backend::Session& session, const std::string& schema, const std::string& table,
    const std::string& column);

}  // namespace zs::engine
