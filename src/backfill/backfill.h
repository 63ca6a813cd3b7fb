// Backfill: rewrites every existing row of a table in small keyset batches so
// that the dual-write triggers fill the new columns with `up`. Never OFFSET,
// never one big UPDATE; each batch is its own short transaction that also
// saves the cursor, so an interrupted backfill resumes where it stopped.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ops/action.h"
#include "pg/connection.h"
#include "schema/schema.h"
#include "state/state_store.h"

namespace zs::backfill {

struct Progress {
  std::string table;
  long long rows_done = 0;
  long long rows_estimate = -1;  // pg_class.reltuples; -1 when unknown
  double elapsed_seconds = 0;
  bool finished = false;
};

struct Options {
  int batch_size = 500;
  std::chrono::milliseconds batch_delay{0};
  std::chrono::milliseconds lock_timeout{500};
  std::chrono::milliseconds statement_timeout{30000};
  int max_attempts = 10;  // per batch, on lock timeouts and deadlocks
  std::function<void(const Progress&)> on_progress;
};

// The columns a backfill orders by: the primary key, else the columns of a
// unique index whose columns are all NOT NULL. Empty when there is neither.
std::vector<const schema::Column*> KeyColumns(const schema::Table& table);

// The SQL of one batch. $1..$k are the previous batch's last key (text, cast
// to the key's types); with `first` there is no lower bound. Returns one row:
// the number of rows updated, then the last key's values as text.
std::string BatchSql(const std::string& schema, const schema::Table& table,
                     const std::vector<const schema::Column*>& key, const std::string& touch_column,
                     int batch_size, bool first);

class Backfiller {
 public:
  Backfiller(pg::Connection& conn, state::StateStore& state, std::string schema,
             std::string migration, Options options)
      : conn_(conn),
        state_(state),
        schema_(std::move(schema)),
        migration_(std::move(migration)),
        options_(std::move(options)) {}

  // Touches every row of task.table, resuming from the saved cursor.
  Status Run(const schema::Table& table, const ops::BackfillTask& task);

 private:
  Result<long long> EstimateRows(const schema::Table& table);
  // Runs one batch and saves the cursor in the same transaction, retrying
  // lock timeouts and deadlocks. Returns rows updated (0 = done).
  Result<long long> RunBatch(const std::string& sql, state::BackfillCursor& cursor, int key_size);

  pg::Connection& conn_;
  state::StateStore& state_;
  std::string schema_;
  std::string migration_;
  Options options_;
};

}  // namespace zs::backfill
