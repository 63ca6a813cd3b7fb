// How a backfill walks one table: the SQL of one batch for the table's key
// shape (single or composite keyset, uuid, identity, unique NOT NULL index,
// ctid page ranges when there is no key, partitioned tables): PostgreSQL's
// walks, which postgres_batch.cc runs behind the backfill's seam
// (batch_backend.h), so adding a shape never touches the batch loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"
#include "schema/schema.h"
#include "triggers/trigger_spec.h"

namespace zs::backfill {

class BatchQuery {
 public:
  virtual ~BatchQuery() = default;

  // For progress lines and `zeroshift status`: "keyset on (tenant_id, id)",
  // "ctid page ranges".
  virtual std::string Describe() const = 0;

  // Number of text values in the cursor that one batch hands to the next.
  virtual int cursor_width() const = 0;

  // The SQL of one batch of about `batch_rows` rows. Parameters $1..$n are
  // the cursor returned by the previous batch (none when `first`). It returns
  // exactly one row: rows_touched bigint, done boolean, then cursor_width()
  // text columns (the cursor for the next batch; NULLs when done).
  virtual std::string Sql(long long batch_rows, bool first) const = 0;
};

// Picks the walk for `table` (read from the catalogs; `conn` may be queried
// for page counts). When the table has the dual-write trigger's marker column
// (triggers::MarkerColumnName), each batch sets it and skips rows that carry
// it already (written through the trigger since it exists); otherwise each
// batch sets `touch_column` to itself. Either way the triggers fire, unless
// `up` is given: then each batch also computes those expressions itself
// (postgres_step_aside.h's UpSetItem), for a transaction in which the
// dual-write trigger steps aside. `range_end` (one text per key column) stops
// a keyset walk after that key, inclusive: one range of a parallel backfill
// (backfill/workers.h); empty walks to the end of the table. A ctid walk
// cannot take it (kInvalidInput).
Result<std::unique_ptr<BatchQuery>> MakeBatchQuery(
    pg::Connection& conn, const std::string& schema, const schema::Table& table,
    const std::string& touch_column, const std::vector<triggers::TriggerSpec>& up = {},
    const std::vector<std::optional<std::string>>& range_end = {});

}  // namespace zs::backfill
