// Dual-write triggers on PostgreSQL: BEFORE INSERT OR UPDATE row triggers
// that keep the old and the new shape of a table in step while both versions
// are in use (the DualWriteSql implementation for PostgreSQL, and the free
// functions code written before the seam calls directly).
//
// A trigger only assigns to NEW and never issues another statement, so
// triggers cannot loop. Whether a write comes from the new version is decided
// by the writer's selector: the session setting zeroshift.version equal to the
// new version schema, or that schema anywhere in the effective search_path,
// unless the write itself shows it came in the old shape (see
// OldShapeEvidence in postgres_dual_write.cc). Every write through the trigger sets
// the table's marker column (MarkerColumnName), which the backfill skips.
#pragma once

#include <string>
#include <vector>

#include "triggers/trigger_spec.h"

namespace zs::triggers {

// All of a migration's expressions on one table run in ONE trigger function,
// "_zs_<schema>_<table>_dual_write" in schema zeroshift (shortened with a hash
// past 63 bytes): one PL/pgSQL call per written row instead of one per
// expression, and the version test evaluated once. `specs` are the table's
// specs in operation order; expressions of one direction share a block unless
// one reads a column an earlier one assigns, which starts a new block that
// reads NEW as it stands then, so later expressions see what earlier ones
// assigned (fewer blocks: PL/pgSQL prepares each expression per transaction).
//
// The trigger itself is "~zs_<schema>_<table>_dual_write" (with an INSERT
// and an UPDATE trigger for the other replication roles,
// postgres_dual_write_origin.h): PostgreSQL fires
// the BEFORE triggers of one event in byte order of their names, and '~'
// sorts after every ASCII letter, digit and '_', so the user's own BEFORE
// triggers run first (a trigger that normalises `name` does so before `up`
// reads it) and zeroshift derives the other shape from the row they leave.
// A user BEFORE trigger that still sorts after it (a name starting with '~'
// or a non-ASCII character) is refused before anything runs (CheckTriggerOrder
// in engine/rehearsal.h).
inline constexpr const char* kTriggerPrefix = "~zs_";
std::string TableTriggerName(const std::string& schema, const std::string& table);
std::string TableTriggerFunctionName(const std::string& schema, const std::string& table);
std::string CreateTableTriggerSql(const std::vector<TriggerSpec>& specs);

// DROP TRIGGER IF EXISTS + DROP FUNCTION IF EXISTS of the table's trigger,
// and DROP COLUMN IF EXISTS of its marker column.
std::string DropTableTriggerSql(const std::string& schema, const std::string& table);

// The SQL boolean expression that is true when the current session writes
// through `version_schema`.
std::string IsVersionCondition(const std::string& version_schema);

class DualWriteSql;
// The functions above behind the DualWriteSql interface (dual_write.h); its
// output is byte-identical to theirs.
const DualWriteSql& PostgresDualWrite();

}  // namespace zs::triggers
