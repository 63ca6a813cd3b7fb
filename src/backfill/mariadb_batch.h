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
//
// Rows that keep their size (bench/README.md §6): InnoDB updates a row in
// place only when it does not grow; a longer row is deleted and inserted
// again, splitting full pages. A column start added INSTANT is not in the
// rows yet, so the first UPDATE of each row makes it longer (measured on 1 M
// rows: 4.4-4.6 CPU s for one UPDATE, against 0.7-0.9 s once the rows hold
// the column). So start rebuilds the table online first (`ALTER TABLE ...
// FORCE, ALGORITHM=INPLACE, LOCK=NONE`, ChooseMariadbRebuild says when),
// which writes every row with the new columns, and the batches leave the
// marker NULL, "not written by a client since start" (the trigger sets it;
// verify reads NULL as `up`).
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
// The `rows`-th key after `after`: the batch's upper bound. `end` (one range
// of a parallel backfill, workers.h): no key past it; empty: no such bound.
std::string MariadbUpperBoundSql(const MariadbWalk& walk, const std::vector<std::string>& after,
                                 long long rows, const std::vector<std::string>& end = {});
// The last key after `after` (fewer than a batch remain), up to `end`.
std::string MariadbLastKeySql(const MariadbWalk& walk, const std::vector<std::string>& after,
                              const std::vector<std::string>& end = {});
// `key > after AND key <= upto` as a condition a range scan serves.
std::string MariadbRangeCondition(const MariadbWalk& walk, const std::vector<std::string>& after,
                                  const std::vector<std::string>& upto);

// One `column = (expression)` per up spec of the table; when the table has
// the marker, rows whose marker is set are skipped (the batch leaves it
// NULL: see above). kInvalidInput when there is no spec, or
// when a spec binds a name to a column of another name (the UPDATE can use
// an expression only over the physical columns).
struct MariadbAssignments {
  std::string set;   // "`first_name` = (...), `last_name` = (...)"
  std::string skip;  // " AND `<marker>` IS NULL", or ""
};
Result<MariadbAssignments> MariadbUpAssignments(const std::string& table,
                                                const std::vector<triggers::TriggerSpec>& up,
                                                bool has_marker);

// Whether start rebuilds a table before its backfill (the dual write's
// `:rebuild` action, triggers/mariadb_dual_write.h), and why not. Only up
// to a size: the rebuild needs the table's size again on disk and, in
// innodb_online_alter_log_max_size, room for the clients' writes while it
// runs (past either it fails, and the batches fill the table without it); a
// replica replays it as one statement, behind which its replication waits
// (measured: 0.4 CPU s and 1.3-4 s per 100 MB on the 2 shared cores here),
// so with replicas named the bound is smaller, under the 10 s default of
// --backfill-max-replay-lag.
struct MariadbRebuildChoice {
  bool rebuild = false;
  std::string reason;  // why not; "" when it runs
};
inline constexpr long long kMariadbRebuildMaxBytes = 1LL << 30;
inline constexpr long long kMariadbRebuildMaxBytesWithReplicas = 256LL << 20;
// Only when the rebuild makes a difference: when every column the backfill
// fills is NOT NULL and of a fixed-size type, so that a rebuilt row keeps its
// size as it is filled (a NULL or variable-length column grows the row
// anyway: measured on 1 M rows, the split's two VARCHAR NULL columns filled
// in 8.4 CPU s rebuilt or not).
// `table_bytes`: data and indexes (InnoDB's estimate), -1 when unknown;
// `growing_column`: a filled column that grows the rows, "" when none does.
MariadbRebuildChoice ChooseMariadbRebuild(long long table_bytes, bool replicas,
                                          const std::string& growing_column = "");
// The same from the catalog: the table's size, the `filled` columns' types.
Result<MariadbRebuildChoice> DecideMariadbRebuild(mysql::Connection& conn,
                                                  const std::string& schema,
                                                  const std::string& table,
                                                  const std::vector<std::string>& filled,
                                                  bool replicas);

// Parallel backfill (workers.h): fewer rows per range than this and the
// table is walked by one session (one session fills 1 000 rows in one or
// two batches, under 10 ms; a second session would cost more than it saves).
inline constexpr long long kMariadbMinRangeRows = 1000;
// The key at each of `ranges` - 1 evenly
// spaced offsets of the `remaining` rows after `after`, each read in key
// order on the walked index (`ORDER BY key LIMIT 1 OFFSET k`: the index's
// first k entries after the cursor, never a full table scan; MariaDB keeps
// no histogram unless ANALYZE ... PERSISTENT was run). Strictly increasing;
// fewer when the table has fewer rows than estimated; as many ranges as
// hold kMariadbMinRangeRows each.
Result<std::vector<BatchCursor>> MariadbSplitKeys(mysql::Connection& conn, const MariadbWalk& walk,
                                                  const BatchCursor& after, int ranges,
                                                  long long remaining);

// information_schema.TABLES.TABLE_ROWS (InnoDB's estimate); -1 when the
// table does not exist.
Result<long long> EstimateMariadbRows(mysql::Connection& conn, const std::string& schema,
                                      const std::string& table);

// The implementation over `conn`, which must outlive it; the replicas of
// `targets` are connected to on the first probe.
std::unique_ptr<BatchBackend> MakeMariadbBatchBackend(mysql::Connection& conn,
                                                      const ProbeTargets& targets);

}  // namespace zs::backfill
