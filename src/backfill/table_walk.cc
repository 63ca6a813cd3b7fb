#include "backfill/table_walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pg/quote.h"

namespace zs::backfill {

namespace {

// The first usable unique index, the primary key first. An index is usable
// when every key column is NOT NULL and ordered like the column's default
// btree order (default operator class, the column's collation, ASC NULLS
// LAST): then `ORDER BY key` and the row comparison `(key) > (cursor)` are
// both answered by the index. Partial, expression, invalid and not yet ready
// indexes never qualify; INCLUDE columns are not part of the key.
constexpr char kKeyQuery[] = R"sql(
SELECT c.relname, i.indisprimary,
       json_agg(a.attname ORDER BY k.n)::text,
       json_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.n)::text
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[],
                          i.indoption::int2[]) WITH ORDINALITY AS k(attnum, opclass, coll, opt, n)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
JOIN pg_opclass oc ON oc.oid = k.opclass
WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indisvalid AND i.indisready
  AND i.indislive AND i.indpred IS NULL AND i.indexprs IS NULL AND k.n <= i.indnkeyatts
GROUP BY c.relname, i.indisprimary, i.indnkeyatts
HAVING bool_and(a.attnotnull AND oc.opcdefault AND k.opt = 0 AND k.coll = a.attcollation)
ORDER BY i.indisprimary DESC, i.indnkeyatts, c.relname
LIMIT 1)sql";

// The heap relations holding the rows: the table itself, or every leaf
// partition (pg_partition_tree lists nothing for a plain table).
constexpr char kHeapsQuery[] = R"sql(
WITH rels AS (
  SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf
  UNION SELECT $1::regclass
)
SELECT n.nspname, c.relname, c.relpages, c.reltuples
FROM rels t
JOIN pg_class c ON c.oid = t.relid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
ORDER BY n.nspname, c.relname)sql";

// Rows per page when pg_class has no figures yet (never vacuumed or
// analysed): counted on the first pages of the first heap that has any.
constexpr long long kSamplePages = 8;
constexpr double kDefaultRowsPerPage = 100;
// A heap page of 8 kB holds at most 291 tuples; 32 kB pages hold 4 times more.
constexpr double kMaxRowsPerPage = 1200;

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// "zs_k0", "zs_k1", ...: the batch CTE renames the key columns so that no
// user column name can collide with the names the walk adds.
std::string KeyAlias(size_t i) { return fmt::format("zs_k{}", i); }

Status ReadKey(pg::Connection& conn, const std::string& relation, TableWalk& walk) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kKeyQuery, {relation}));
  if (rows.empty()) return Status::Ok();
  auto names = nlohmann::json::parse(rows.Get(0, 2));
  auto types = nlohmann::json::parse(rows.Get(0, 3));
  for (size_t i = 0; i < names.size(); ++i) {
    walk.key.push_back({names[i].get<std::string>(), types[i].get<std::string>()});
  }
  walk.key_source = rows.GetBool(0, 1) ? "primary key" : "unique index " + rows.Get(0, 0);
  return Status::Ok();
}

Result<double> SampleRowsPerPage(pg::Connection& conn, const std::string& heap) {
  std::string sql = fmt::format(
      "SELECT count(*), least({0}, pg_relation_size({1}::regclass) / "
      "current_setting('block_size')::bigint) FROM {2} WHERE ctid < '({0},0)'::tid",
      kSamplePages, pg::QuoteLiteral(heap), heap);
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec(sql));
  long long count = rows.GetInt(0, 0);
  long long pages = rows.GetInt(0, 1);
  if (count <= 0 || pages <= 0) return -1.0;
  return static_cast<double>(count) / static_cast<double>(pages);
}

Status ReadHeaps(pg::Connection& conn, const std::string& relation, TableWalk& walk) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kHeapsQuery, {relation}));
  double tuples = 0;
  double pages = 0;
  for (int i = 0; i < rows.size(); ++i) {
    walk.heaps.push_back(pg::QualifiedName(rows.Get(i, 0), rows.Get(i, 1)));
    long long relpages = rows.GetInt(i, 2);
    double reltuples = std::stod(rows.Get(i, 3));
    if (relpages > 0 && reltuples > 0) {
      pages += static_cast<double>(relpages);
      tuples += reltuples;
    }
  }
  double per_page = pages > 0 ? tuples / pages : -1;
  for (size_t i = 0; per_page <= 0 && i < walk.heaps.size(); ++i) {
    ZS_ASSIGN_OR_RETURN(per_page, SampleRowsPerPage(conn, walk.heaps[i]));
  }
  walk.rows_per_page = per_page > 0 ? std::min(per_page, kMaxRowsPerPage) : kDefaultRowsPerPage;
  return Status::Ok();
}

}  // namespace

std::string TableWalk::Describe() const {
  if (keyset()) {
    std::vector<std::string> names;
    for (const auto& column : key) names.push_back(column.name);
    return fmt::format("keyset on {} ({})", key_source, Join(names, ", "));
  }
  if (partitioned) return fmt::format("ctid page ranges over {} partitions", heaps.size());
  return "ctid page ranges";
}

Result<TableWalk> PlanTableWalk(pg::Connection& conn, const std::string& schema,
                                const std::string& table) {
  TableWalk walk;
  walk.relation = pg::QualifiedName(schema, table);
  ZS_ASSIGN_OR_RETURN(pg::Rows kind,
                      conn.ExecParams("SELECT relkind::text FROM pg_class WHERE oid = "
                                      "to_regclass($1)",
                                      {walk.relation}));
  if (kind.empty()) {
    return NotFound(
        fmt::format("table {} does not exist; check the schema and table name", walk.relation));
  }
  walk.partitioned = kind.Get(0, 0) == "p";
  ZS_RETURN_IF_ERROR(ReadKey(conn, walk.relation, walk));
  if (!walk.keyset()) ZS_RETURN_IF_ERROR(ReadHeaps(conn, walk.relation, walk));
  return walk;
}

std::string KeysetBatchCte(const TableWalk& walk, const std::string& extra_columns, long long limit,
                           bool first) {
  std::vector<std::string> columns, order, params, descending;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    std::string column = fmt::format("{}.{}", kRowAlias, pg::QuoteIdent(walk.key[i].name));
    columns.push_back(fmt::format("{} AS {}", column, KeyAlias(i)));
    order.push_back(column);
    // The cursor is text; cast to the key's type so the comparison (and the
    // index) use the key's ordering, not text ordering.
    params.push_back(fmt::format("${}::{}", i + 1, walk.key[i].type));
    descending.push_back(KeyAlias(i) + " DESC");
  }
  std::string where =
      first ? "true" : fmt::format("({}) > ({})", Join(order, ", "), Join(params, ", "));
  return fmt::format(
      "batch AS (SELECT {cols}{extra} FROM {rel} {alias} WHERE {where} ORDER BY {order} "
      "LIMIT {limit}),\nlast AS (SELECT * FROM batch ORDER BY {desc} LIMIT 1)",
      fmt::arg("cols", Join(columns, ", ")), fmt::arg("extra", extra_columns),
      fmt::arg("rel", walk.relation), fmt::arg("alias", kRowAlias), fmt::arg("where", where),
      fmt::arg("order", Join(order, ", ")), fmt::arg("limit", limit),
      fmt::arg("desc", Join(descending, ", ")));
}

std::string KeysetResultColumns(const TableWalk& walk, long long limit) {
  std::string short_batch = fmt::format("(SELECT count(*) FROM batch) < {}", limit);
  std::string out = short_batch + " AS done";
  for (size_t i = 0; i < walk.key.size(); ++i) {
    out += fmt::format(", CASE WHEN {} THEN NULL ELSE (SELECT {}::text FROM last) END", short_batch,
                       KeyAlias(i));
  }
  return out;
}

std::string KeysetJoin(const TableWalk& walk, const std::string& alias) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    parts.push_back(
        fmt::format("{}.{} = batch.{}", alias, pg::QuoteIdent(walk.key[i].name), KeyAlias(i)));
  }
  return Join(parts, " AND ");
}

std::string KeysetRange(const TableWalk& walk, const std::string& alias, bool first,
                        const std::string& last_cte) {
  std::vector<std::string> columns, params, last;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    columns.push_back(fmt::format("{}.{}", alias, pg::QuoteIdent(walk.key[i].name)));
    params.push_back(fmt::format("${}::{}", i + 1, walk.key[i].type));
    last.push_back(fmt::format("(SELECT {} FROM {})", KeyAlias(i), last_cte));
  }
  // Each bound an InitPlan value, so the comparison is an index condition.
  std::string upper = fmt::format("({}) <= ({})", Join(columns, ", "), Join(last, ", "));
  if (first) return upper;
  return fmt::format("({}) > ({}) AND {}", Join(columns, ", "), Join(params, ", "), upper);
}

std::string KeysetAfter(const TableWalk& walk, const std::string& alias, bool first) {
  if (first) return "true";
  std::vector<std::string> columns, params;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    columns.push_back(fmt::format("{}.{}", alias, pg::QuoteIdent(walk.key[i].name)));
    params.push_back(fmt::format("${}::{}", i + 1, walk.key[i].type));
  }
  return fmt::format("({}) > ({})", Join(columns, ", "), Join(params, ", "));
}

std::string KeysetBoundCte(const TableWalk& walk, long long limit, bool first,
                           const std::string& up_to) {
  std::vector<std::string> columns, order;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    std::string column = fmt::format("{}.{}", kRowAlias, pg::QuoteIdent(walk.key[i].name));
    columns.push_back(fmt::format("{} AS {}", column, KeyAlias(i)));
    order.push_back(column);
  }
  return fmt::format("zs_last AS (SELECT {} FROM {} {} WHERE {}{} ORDER BY {} OFFSET {} LIMIT 1)",
                     Join(columns, ", "), walk.relation, kRowAlias,
                     KeysetAfter(walk, kRowAlias, first), up_to, Join(order, ", "),
                     std::max(0LL, limit - 1));
}

std::string KeysetUpTo(const TableWalk& walk, const std::string& alias,
                       const std::vector<std::optional<std::string>>& end) {
  if (end.empty()) return "";
  std::vector<std::string> columns, values;
  for (size_t i = 0; i < walk.key.size() && i < end.size(); ++i) {
    columns.push_back(fmt::format("{}.{}", alias, pg::QuoteIdent(walk.key[i].name)));
    values.push_back(end[i] ? fmt::format("{}::{}", pg::QuoteLiteral(*end[i]), walk.key[i].type)
                            : std::string("NULL"));
  }
  return fmt::format(" AND ({}) <= ({})", Join(columns, ", "), Join(values, ", "));
}

std::string KeysetOrder(const TableWalk& walk) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < walk.key.size(); ++i) parts.push_back("batch." + KeyAlias(i));
  return Join(parts, ", ");
}

std::string KeysetJson(const TableWalk& walk) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < walk.key.size(); ++i) parts.push_back("batch." + KeyAlias(i) + "::text");
  return fmt::format("json_build_array({})", Join(parts, ", "));
}

long long CtidPages(const TableWalk& walk, long long batch_rows) {
  double pages = static_cast<double>(batch_rows) / walk.rows_per_page;
  return std::max(1LL, static_cast<long long>(pages + 0.999));
}

// Why a ctid walk neither loses a row nor runs forever, although rows move
// between pages while it runs:
//  - The walk starts after the dual-write triggers exist. Every tuple written
//    since then (a concurrent insert or update, or a batch's own update)
//    already carries the new columns, whatever page it lands on.
//  - So only tuples older than the walk matter, and they all lie below each
//    heap's size in pages as measured when the walk enters that heap (a heap
//    only grows; vacuum truncates only empty pages at its end). That size is
//    the `stop` page kept in the cursor.
//  - Pages past `stop` are never read: a batch's own updates often move rows
//    to the end of the heap, and chasing them would never finish.
//  - A batch's new row versions also land below `stop`, on pages not walked
//    yet (the heap's last, partly filled page; free space vacuum recorded).
//    The backfill skips tuples whose xmin is not older than the xid of its
//    first batch (`skip_new`), so it touches each row once; were one touched
//    twice, touching is idempotent: it would cost a write, not correctness.
std::string CtidPositionCtes(const TableWalk& walk, bool first, bool skip_new) {
  std::vector<std::string> heaps;
  for (size_t i = 0; i < walk.heaps.size(); ++i) {
    heaps.push_back(fmt::format("({}, {}::regclass)", i, pg::QuoteLiteral(walk.heaps[i])));
  }
  // A partitioned table without partitions has no heap: an empty list.
  std::string heap_list =
      heaps.empty() ? "SELECT 0, NULL::regclass WHERE false" : "VALUES " + Join(heaps, ", ");
  std::string cursor = first ? "SELECT -1 AS heap, 0::bigint AS page, 0::bigint AS stop"
                             : "SELECT $1::int AS heap, $2::bigint AS page, $3::bigint AS stop";
  // The first batch's own xid: it runs after the triggers exist. A 32-bit xid
  // (xmin's type), taken from the 64-bit counter.
  if (skip_new) {
    cursor += first ? ", (txid_current() % 4294967296)::text::xid AS start_xid"
                    : ", $4::xid AS start_xid";
  } else {
    cursor += ", NULL::xid AS start_xid";
  }
  return fmt::format(
      "heaps(idx, rel) AS ({heaps}),\n"
      "cur AS ({cursor}),\n"
      "nxt AS (SELECT min(h.idx) AS idx FROM heaps h, cur c WHERE h.idx > c.heap AND "
      "pg_relation_size(h.rel) > 0),\n"
      "pos AS (SELECT CASE WHEN c.page < c.stop THEN c.heap ELSE n.idx END AS heap, c.start_xid,\n"
      "  CASE WHEN c.page < c.stop THEN c.page ELSE 0 END AS page,\n"
      "  CASE WHEN c.page < c.stop THEN c.stop ELSE (SELECT pg_relation_size(h.rel) / "
      "current_setting('block_size')::bigint FROM heaps h WHERE h.idx = n.idx) END AS stop\n"
      "  FROM cur c, nxt n)",
      fmt::arg("heaps", heap_list), fmt::arg("cursor", cursor));
}

std::string CtidRangeCondition(const std::string& alias, int heap_index, long long pages,
                               bool skip_new) {
  // age() counts back from the current xid, so it orders xids across
  // wraparound; frozen tuples have the largest age and are never skipped.
  std::string skip =
      skip_new ? fmt::format(" AND age({}.xmin) > age((SELECT start_xid FROM pos))", alias) : "";
  // tid block numbers are 32-bit: clamp the end of the range.
  std::string range = fmt::format(
      "(SELECT heap FROM pos) = {1}"
      " AND {0}.ctid >= format('(%s,0)', (SELECT page FROM pos))::tid"
      " AND {0}.ctid < format('(%s,0)', (SELECT least(page + {2}, 4294967295) FROM pos))::tid",
      alias, heap_index, pages);
  return range + skip;
}

std::string CtidFinCte(long long pages) {
  return fmt::format(
      "fin AS (SELECT p.heap, p.page + {0} AS page, p.stop, p.start_xid,\n"
      "  p.heap IS NULL OR (p.page + {0} >= p.stop AND NOT EXISTS (SELECT 1 FROM heaps h WHERE "
      "h.idx > p.heap AND pg_relation_size(h.rel) > 0)) AS done\n"
      "  FROM pos p)",
      pages);
}

std::string CtidResultColumns(bool skip_new) {
  std::string out =
      "fin.done, CASE WHEN fin.done THEN NULL ELSE fin.heap::text END, "
      "CASE WHEN fin.done THEN NULL ELSE fin.page::text END, "
      "CASE WHEN fin.done THEN NULL ELSE fin.stop::text END";
  if (skip_new) out += ", CASE WHEN fin.done THEN NULL ELSE fin.start_xid::text END";
  return out;
}

}  // namespace zs::backfill
