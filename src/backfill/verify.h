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
#include "state/step.h"
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

// One expression of a dual-write trigger checked on the rows it ran for.
//
// The trigger runs one direction per write and marks the row with it
// (triggers::MarkerColumnName): true after `up` (an old-version write, or the
// backfill), false after `down` (a new-version write). Each row is checked
// only against the expressions of the direction that ran for it: a
// new-version write never runs `up`, so its new columns hold what the client
// wrote, not `up` of the old ones, and checking them would blame correct
// writes. Those rows are counted in `skipped`, with `skip_reason`. Rows with
// no mark (not written since start) are checked against `up` only: the
// backfill leaves them so.
//
// A table without the marker column (specs built by hand) cannot tell the
// directions apart: every row is checked, and a row that differs is counted
// as a mismatch only when it also fails a check of the other direction; one
// that passes every check of the other direction is counted in
// `not_inverse`. With checks of one direction only, nothing tells the two
// apart: every difference is a mismatch and `provable` is false.
struct CheckResult {
  std::string column;  // physical target column
  triggers::Direction direction = triggers::Direction::kUp;
  std::string expression;  // as the trigger evaluates it (resolved, schema-qualified)
  long long mismatches = 0;
  long long not_inverse = 0;  // no marker: differ as a write through the other version leaves them
  long long skipped = 0;      // rows this expression did not run for (see skip_reason)
  std::string skip_reason;
  bool provable = false;  // a mismatch is a row no write through the trigger leaves so
  // The first max_mismatches keys, in walk order; each holds the values of
  // TableResult::key_columns as text.
  std::vector<std::vector<std::string>> keys;
};

struct TableResult {
  std::string schema;
  std::string table;    // physical name
  std::string trigger;  // the table's dual-write trigger (triggers::TableTriggerName); "" if none
  bool marked = false;  // the table has the marker column: rows say which direction ran
  std::string walk;     // TableWalk::Describe()
  std::vector<std::string> key_columns;  // the key's columns, or {"relation", "ctid"}
  long long rows_checked = 0;
  std::vector<CheckResult> checks;
};

struct VerifyReport {
  std::string migration;
  state::Step step = state::Step::kActive;  // kBackfilling: rows may still be pending
  std::vector<TableResult> tables;

  long long mismatches() const;
  // The mismatches of checks with `provable` set: rows no write through the triggers leaves.
  long long proven_mismatches() const;
  long long skipped() const;
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
// trigger declares (each bound to the row's column), also as
// zs_row.<name> as a resolved expression reads them; the result is cast to
// the target column's type `target_type`, as the trigger's assignment does.
// Types without an `=` operator (`has_equality` false: json, xml) are
// compared by their text.
std::string MismatchCondition(const triggers::TriggerSpec& spec, const std::string& target_type,
                              bool has_equality, const std::string& row_alias);

}  // namespace zs::backfill
