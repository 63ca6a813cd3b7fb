// `zeroshift verify`: checks, batch by batch and read-only, that every row of
// each table a migration changes agrees with the migration's expressions: each
// new column equals `up` of the old columns and, where `down` is defined, each
// old column equals `down` of the new ones. The expressions and the columns
// they read are those of the dual-write triggers (triggers::TriggerSpec).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "pg/connection.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

struct VerifyProgress {
  std::string table;
  long long rows_checked = 0;
  long long mismatches = 0;
  bool finished = false;
};

struct VerifyOptions {
  long long batch_rows = 5000;
  int max_mismatches = 20;  // keys listed per check; all are counted
  bool check_down = true;   // also check triggers of direction kDown
  std::function<void(const VerifyProgress&)> on_progress;
};

// One trigger's expression checked on every row of its table.
//
// The triggers write one direction per row: an old-version write sets the new
// columns to `up` (and leaves the old ones as written), a new-version write
// the old columns to `down`. Where `up` and `down` are not inverses ("Mary
// Ann Smith" splits into Mary / Ann, which joins back to "Mary Ann"), a row
// fails the other direction's check legitimately. So a row that differs is
// counted as a mismatch only when it fails a check of each direction, which no
// write through the triggers produces; one that passes every check of the
// other direction is counted in `not_inverse` instead. When the table has
// checks of one direction only, nothing tells the two apart: every
// difference is a mismatch and `provable` is false.
struct CheckResult {
  std::string trigger;
  std::string column;  // physical target column
  triggers::Direction direction = triggers::Direction::kUp;
  std::string expression;
  long long mismatches = 0;
  long long not_inverse = 0;  // differ, but as a write through the other version leaves them
  bool provable = false;      // the table has checks of both directions
  // The first max_mismatches keys, in walk order; each holds the values of
  // TableResult::key_columns as text.
  std::vector<std::vector<std::string>> keys;
};

struct TableResult {
  std::string schema;
  std::string table;                     // physical name
  std::string walk;                      // TableWalk::Describe()
  std::vector<std::string> key_columns;  // the key's columns, or {"relation", "ctid"}
  long long rows_checked = 0;
  std::vector<CheckResult> checks;
};

struct VerifyReport {
  std::string migration;
  std::string step;  // the migration's step; "backfilling" means rows may still be pending
  std::vector<TableResult> tables;

  long long mismatches() const;
  // The mismatches of checks with `provable` set: rows no write through the triggers leaves.
  long long proven_mismatches() const;
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// Checks `specs` (skipping kDown ones unless options.check_down), one walk
// per table. Each batch runs in its own READ ONLY transaction, so verify
// never writes, even through a volatile expression.
Result<std::vector<TableResult>> VerifyTriggers(pg::Connection& conn,
                                                const std::vector<triggers::TriggerSpec>& specs,
                                                const VerifyOptions& options);

// The check of one spec as SQL: true when the row aliased `row_alias`
// disagrees with the expression. The expression sees exactly the names the
// trigger declares (each bound to the row's column); the result is cast to
// the target column's type `target_type`, as the trigger's assignment does.
// Types without an `=` operator (`has_equality` false: json, xml) are
// compared by their text.
std::string MismatchCondition(const triggers::TriggerSpec& spec, const std::string& target_type,
                              bool has_equality, const std::string& row_alias);

}  // namespace zs::backfill
