// MariaDB's side of the backfill seam (batch_backend.h).
//
// The walk: the primary key, else a unique index whose columns are all NOT
// NULL (a table with neither is refused, naming it and what to add). MariaDB
// has no ctid and no data-modifying CTE, so one batch is two statements in
// one READ COMMITTED transaction:
//   1. the batch's upper key bound: `SELECT <key> ... WHERE key > cursor ORDER
//      BY key LIMIT 1 OFFSET n-1`, or the last key when fewer than n remain;
//   2. `UPDATE t SET <new column> = (<up>), ... WHERE key > cursor AND key <=
//      bound`, which computes `up` itself while the session variable
//      @zeroshift_backfill = 1 tells the dual-write trigger to step aside.
//      Were the trigger to run anyway, it would compute the same `up` from
//      the same row: the statement is right either way.
// The cursor is saved in the same transaction (InnoDB DML is transactional),
// so after a kill -9 the batch and its cursor are both there or both gone.
// READ COMMITTED: the range UPDATE takes no gap locks, so inserts at the end
// of the table go on during the backfill.
//
// Composite keys compare as `(a > x) OR (a = x AND b > y) OR ...`, not as the
// row value `(a, b) > (x, y)`: MariaDB 10.11 does not use an index for a row
// comparison (EXPLAIN: possible_keys NULL, a full index scan), so each batch
// would read the table from its start; the expanded form is a range scan.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backfill/batch_backend.h"
#include "core/status.h"
#include "mysql/connection.h"

namespace zs::backfill {

// One column of the walked key, and how its text value is written back as a
// literal that compares in the column's own type and collation.
struct MariadbKeyColumn {
  enum class Kind {
    kNumber,  // integers, DECIMAL, YEAR: a bare numeric literal
    kString,  // strings, temporal types, UUID: a quoted literal, converted to the
              // column's type and compared in its collation
    kBinary,  // BINARY, VARBINARY, BLOB: read as HEX(), written as X'..'
  };
  std::string name;
  std::string data_type;  // information_schema.COLUMNS.DATA_TYPE
  Kind kind = Kind::kString;
};

struct MariadbWalk {
  std::string schema;
  std::string table;
  std::string relation;  // `schema`.`table`
  std::vector<MariadbKeyColumn> key;
  std::string key_source;  // "primary key", "unique index `email`"

  // "keyset on primary key (id)".
  std::string Describe() const;
};

// Reads the key from information_schema. kNotFound for a missing table;
// kInvalidInput naming the table, why each unique index does not qualify, and
// what to add when no key does.
Result<MariadbWalk> PlanMariadbWalk(mysql::Connection& conn, const std::string& schema,
                                    const std::string& table);

// The cursor's texts as SQL literals of the key's columns (validated: a
// number must look like one, a binary value like hex).
Result<std::vector<std::string>> MariadbKeyLiterals(const MariadbWalk& walk,
                                                    const BatchCursor& cursor);

// The statements of one batch (pure; `after` is empty for the first batch).
// The key's columns as the cursor reads them (HEX() for binary ones).
std::string MariadbKeySelectList(const MariadbWalk& walk);
// The `rows`-th key after `after`: the batch's upper bound.
std::string MariadbUpperBoundSql(const MariadbWalk& walk, const std::vector<std::string>& after,
                                 long long rows);
// The last key after `after` (fewer than a batch remain).
std::string MariadbLastKeySql(const MariadbWalk& walk, const std::vector<std::string>& after);
// `key > after AND key <= upto` as a condition a range scan serves.
std::string MariadbRangeCondition(const MariadbWalk& walk, const std::vector<std::string>& after,
                                  const std::vector<std::string>& upto);

// One `column = (expression)` per up spec of the table, then the marker
// column's when the table has one. kInvalidInput when there is no spec, or
// when a spec binds a name to a column of another name (the UPDATE can use
// an expression only over the physical columns).
struct MariadbAssignments {
  std::string set;   // "`first_name` = (...), `last_name` = (...)"
  std::string skip;  // " AND `<marker>` IS NULL", or ""
};
Result<MariadbAssignments> MariadbUpAssignments(const std::string& table,
                                                const std::vector<triggers::TriggerSpec>& up,
                                                bool has_marker);

// information_schema.TABLES.TABLE_ROWS (InnoDB's estimate); -1 when the
// table does not exist.
Result<long long> EstimateMariadbRows(mysql::Connection& conn, const std::string& schema,
                                      const std::string& table);

// The implementation over `conn`, which must outlive it; the replicas of
// `targets` are connected to on the first probe.
std::unique_ptr<BatchBackend> MakeMariadbBatchBackend(mysql::Connection& conn,
                                                      const ProbeTargets& targets);

}  // namespace zs::backfill
