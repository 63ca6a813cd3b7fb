// Dual-write triggers: BEFORE INSERT OR UPDATE row triggers that keep the old
// and the new shape of a table in step while both versions are in use.
//
// A trigger only assigns to NEW and never issues another statement, so
// triggers cannot loop. Whether a write comes from the new version is decided
// by the writer's selector: the session setting zeroshift.version equal to the
// new version schema, or that schema anywhere in the effective search_path,
// unless the write itself shows it came in the old shape (see
// OldShapeEvidence in dual_write.cc). Every write through the trigger sets
// the table's marker column (MarkerColumnName), which the backfill skips.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zs::triggers {

// The schema that holds zeroshift's own objects (state tables, trigger functions).
inline constexpr const char* kStateSchema = "zeroshift";

enum class Direction {
  kUp,    // fires for writes from older versions: fills the new shape with `up`
  kDown,  // fires for writes from the new version: fills the old shape with `down`
};

struct TriggerSpec {
  std::string name;    // names the expression in plans and verify output (see TriggerName)
  std::string schema;  // schema of the table
  std::string table;   // physical table name
  Direction direction = Direction::kUp;
  std::string version_schema;  // the new version's schema
  // Names the expression may use, each bound to a physical column of NEW.
  std::vector<std::pair<std::string, std::string>> variables;
  std::string target_column;  // physical column assigned from the expression
  // What an INSERT that leaves the target column out stores in it, as SQL
  // the trigger can compare with: "NULL" without a default, the literal of a
  // constant default; unset when the trigger cannot predict it (a volatile
  // default, an identity, a generated column).
  std::optional<std::string> target_unwritten_value;
  std::string expression;  // validated and parenthesised (sqlcheck::ValidateExpression)
  // Said before start runs: a `down` naming a column its version lacks is
  // accepted, as pgroll does, and fails only the writes through that version.
  std::vector<std::string> warnings;
};

// "_zs_<table>_<NN>_<column>_<up|down>", shortened with a hash when longer than
// 63 bytes; NN is the operation's index.
std::string TriggerName(const std::string& table, int op_index, const std::string& column,
                        Direction direction);

// All of a migration's expressions on one table run in ONE trigger function,
// "_zs_<schema>_<table>_dual_write" in schema zeroshift (shortened with a hash
// past 63 bytes): one PL/pgSQL call per written row instead of one per
// expression, and the version test evaluated once. `specs` are the table's
// specs in operation order; each becomes a block that reads its variables from
// NEW as it runs, so later expressions see what earlier ones assigned.
//
// The trigger itself is "~zs_<schema>_<table>_dual_write": PostgreSQL fires
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

// The boolean column every write through the table's trigger sets (added
// with the trigger, dropped with it): rows that carry it are in step, so the
// backfill skips them. true: `up` ran (an old-version write or the backfill);
// false: `down` ran (a new-version write); NULL: not written since start.
// Start refuses a table that already has it.
std::string MarkerColumnName();

// DROP TRIGGER IF EXISTS + DROP FUNCTION IF EXISTS of the table's trigger,
// and DROP COLUMN IF EXISTS of its marker column.
std::string DropTableTriggerSql(const std::string& schema, const std::string& table);

// The SQL boolean expression that is true when the current session writes
// through `version_schema`.
std::string IsVersionCondition(const std::string& version_schema);

}  // namespace zs::triggers
