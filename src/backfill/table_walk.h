// How a table is walked in batches, shared by the backfill (batch_query.cc,
// which updates each batch) and `zeroshift verify` (verify.cc, which reads
// it): the key chosen from the catalogs and the SQL pieces that select one
// batch and compute the cursor of the next one.
//
// Two walks:
//  - keyset: the primary key, else a unique index on NOT NULL columns that is
//    valid, not partial, has no expressions, and orders like the columns'
//    default btree order (so `ORDER BY key` and `(key) > ($1, ...)` use it).
//    Works through a partitioned parent as well.
//  - ctid page ranges when there is no such key: each heap relation (the
//    table, or each leaf partition in turn) is read in ranges of whole pages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::backfill {

struct KeyColumn {
  std::string name;  // physical column name
  std::string type;  // format_type, used to cast the text cursor back
};

struct TableWalk {
  std::string relation;        // quoted "schema"."table"
  std::vector<KeyColumn> key;  // empty: ctid page ranges
  std::string key_source;      // "primary key" or "unique index <name>"
  // ctid walks only: the heap relations to read, quoted, in walk order.
  std::vector<std::string> heaps;
  double rows_per_page = 100;  // ctid walks only: from pg_class, else sampled
  bool partitioned = false;

  bool keyset() const { return !key.empty(); }
  // "keyset on primary key (id)", "ctid page ranges over 4 partitions".
  std::string Describe() const;
};

// Reads the catalogs for `schema`.`table` (a physical relation name).
Result<TableWalk> PlanTableWalk(pg::Connection& conn, const std::string& schema,
                                const std::string& table);

// The alias every batch gives the walked relation in its FROM clause.
inline constexpr const char* kRowAlias = "zs_row";

// ---- keyset walks. The cursor is the last key of the previous batch, as
// text, in parameters $1..$k.

// "batch AS (SELECT zs_row.k1, ...<extra_columns> FROM rel zs_row WHERE
// (k) > ($1..) ORDER BY k LIMIT limit)". `extra_columns` is "" or starts with
// ", " and may refer to zs_row.
std::string KeysetBatchCte(const TableWalk& walk, const std::string& extra_columns, long long limit,
                           bool first);

// "done, cursor1, ..., cursork" for the final SELECT, from the CTE `batch`:
// done when the batch came back short; the cursor is NULL when done.
std::string KeysetResultColumns(const TableWalk& walk, long long limit);

// "t.k1 = batch.k1 AND ..." joining `alias` to the CTE `batch`.
std::string KeysetJoin(const TableWalk& walk, const std::string& alias);

// "(t.k1, ...) > ($1::type, ...) AND (t.k1, ...) <= ((SELECT k1 FROM last), ...)":
// the batch's key range (no lower bound for the first batch), redundant with
// KeysetJoin but what lets the planner walk the key's index. Without it,
// PostgreSQL 15 joins the batch by a sequential scan of the whole table for
// mid-sized tables (measured: 1 M rows, 44 ms of a 48 ms batch; 2 ms with it).
// `last` names the CTE holding the batch's last key (zs_k0, ...).
std::string KeysetRange(const TableWalk& walk, const std::string& alias, bool first,
                        const std::string& last = "last");

// "(t.k1, ...) > ($1::type, ...)", or "true" for the first batch: the keys
// after the cursor.
std::string KeysetAfter(const TableWalk& walk, const std::string& alias, bool first);

// "zs_last AS (SELECT zs_row.k1 AS zs_k0, ... FROM rel zs_row WHERE (k) >
// ($1..) ORDER BY k OFFSET limit - 1 LIMIT 1)": the batch's last key, read
// from the key's index alone; no row when fewer than `limit` keys are left
// (the last batch). The backfill's UPDATE then takes the batch as a key
// range (KeysetRange against zs_last) instead of joining a CTE of every key:
// measured on 300 k rows in 30 k-row batches, the join cost 30 % more server
// CPU than plain id ranges, this bound 12 %.
// `up_to` (KeysetUpTo, or "") bounds the walk above: a range of a parallel
// backfill (backfill/workers.h) stops at its end key.
std::string KeysetBoundCte(const TableWalk& walk, long long limit, bool first,
                           const std::string& up_to = "");

// " AND (t.k1, ...) <= ('v1'::type1, ...)": the keys up to `end` (inclusive),
// as literals; "" when `end` is empty (open-ended, the last range). `end`
// holds one text per key column (never NULL: a keyset key is NOT NULL).
std::string KeysetUpTo(const TableWalk& walk, const std::string& alias,
                       const std::vector<std::optional<std::string>>& end);

// "batch.k1, batch.k2" for ORDER BY; "json_build_array(batch.k1::text, ...)"
// for reporting keys.
std::string KeysetOrder(const TableWalk& walk);
std::string KeysetJson(const TableWalk& walk);

// ---- ctid walks. The cursor is three texts ($1 heap index, $2 next page,
// $3 stop page of that heap), and with `skip_new` a fourth: $4 the xid the
// walk started at. With `skip_new` the walk skips tuples written at or after
// that xid: they were written with the dual-write triggers in place (or by
// the walk itself), so touching them again would only repeat work.

// Pages per batch for about `batch_rows` rows (at least 1).
long long CtidPages(const TableWalk& walk, long long batch_rows);

// "heaps AS (...), cur AS (...), nxt AS (...), pos AS (...)": `pos` is one
// row (heap, page, stop) saying which heap and first page this batch reads;
// heap is NULL when nothing is left.
std::string CtidPositionCtes(const TableWalk& walk, bool first, bool skip_new);

// The condition that keeps `alias`'s rows in this batch's pages of heap
// `heap_index`. It compares ctid with values computed once per statement, so
// PostgreSQL 14+ plans a TID Range Scan.
std::string CtidRangeCondition(const std::string& alias, int heap_index, long long pages,
                               bool skip_new);

// "fin AS (...)" then, for the final SELECT, "done, heap, page, stop[,
// start xid]" as texts (NULL when done), from `pos` and `fin`.
std::string CtidFinCte(long long pages);
std::string CtidResultColumns(bool skip_new);

}  // namespace zs::backfill
