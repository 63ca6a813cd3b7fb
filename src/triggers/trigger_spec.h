// What a dual-write trigger computes, the same on every database: the specs
// the operations produce (ops::Operation::Triggers) and the names both
// implementations share. How a spec becomes SQL is the backend's
// (triggers::DualWriteSql in dual_write.h).
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
  std::string schema;  // schema of the table (MariaDB: its database)
  std::string table;   // physical table name
  Direction direction = Direction::kUp;
  std::string version_schema;  // the new version's schema (MariaDB: its database)
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

// The boolean column every write through the table's trigger sets (added with it, dropped
// with it): rows that carry it are in step, so the backfill skips them. true: `up` ran (an
// old-version write; on PostgreSQL also the backfill's batch); false: `down` ran (a
// new-version write); NULL: not written by a client since start (MariaDB's batches leave it
// NULL: backfill/mariadb_batch.h). Start refuses a table that already has it.
std::string MarkerColumnName();

// Eight hex digits of a hash of `text`: what shortens a generated name that
// would pass the identifier limit, deterministically.
std::string ShortNameHash(const std::string& text);

// The columns the specs assign in `direction`, each once, in spec order:
// `up` targets exist only in the new shape, `down` targets only in the old one.
std::vector<std::string> TargetColumns(const std::vector<TriggerSpec>& specs, Direction direction);

}  // namespace zs::triggers
