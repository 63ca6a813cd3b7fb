#include "backfill/batch_query.h"

#include <fmt/format.h>

#include "backfill/postgres_step_aside.h"
#include "backfill/table_walk.h"
#include "pg/quote.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

namespace {

// What a batch sets on each row, and which rows it skips.
//
// With the dual-write trigger's marker column (triggers::MarkerColumnName)
// the batch sets the marker and skips rows that already carry it: those were
// written through the trigger since it exists (by a client of either version,
// or by an earlier batch), so they are in step, and running `up` over them
// again would overwrite what a new-version client wrote. Setting the marker,
// a column no user trigger lists, also keeps `UPDATE OF` triggers quiet.
// Without the marker (a table walked outside a migration) the touch column is
// set to itself.
//
// With `up` (postgres_step_aside.h), the batch also computes the new columns
// itself: the trigger steps aside for it.
struct Touch {
  std::string column;  // quoted
  bool marker = false;
  std::vector<triggers::TriggerSpec> up;  // computed in the statement when not empty

  std::string Assignment(const std::string& alias) const {
    std::string computed;
    // MakeBatchQuery checked that UpSetItem succeeds for these specs.
    if (!up.empty()) computed = *DirectUpSetItem(up, alias) + ", ";
    if (marker) return computed + column + " = true";
    return fmt::format("{0}{1} = {2}.{1}", computed, column, alias);
  }
  std::string Skip(const std::string& alias) const {
    // false marks a new-version write (triggers::MarkerColumnName): in step too.
    return marker ? fmt::format(" AND {}.{} IS NULL", alias, column) : "";
  }
};

// Keyset walk: the keys after the cursor up to the batch's last key (found
// on the key's index, KeysetBoundCte), updated as one key range; when fewer
// than `batch_rows` keys are left, the rest of the table (the second UPDATE,
// switched off by a constant condition otherwise) and the walk is done.
class KeysetBatchQuery : public BatchQuery {
 public:
  KeysetBatchQuery(TableWalk walk, Touch touch, std::string up_to)
      : walk_(std::move(walk)), touch_(std::move(touch)), up_to_(std::move(up_to)) {}

  std::string Describe() const override { return walk_.Describe(); }
  int cursor_width() const override { return static_cast<int>(walk_.key.size()); }

  std::string Sql(long long batch_rows, bool first) const override {
    std::string cursor;
    for (size_t i = 0; i < walk_.key.size(); ++i) {
      cursor += fmt::format(", (SELECT zs_k{}::text FROM zs_last)", i);
    }
    return fmt::format(
        "WITH {bound},\n"
        "zs_touched AS (UPDATE {rel} {alias} SET {set} WHERE {range}{skip} RETURNING 1),\n"
        "zs_tail AS (UPDATE {rel} {alias} SET {set} WHERE NOT EXISTS (SELECT FROM zs_last) AND "
        "{after}{up_to}{skip} RETURNING 1)\n"
        "SELECT ((SELECT count(*) FROM zs_touched) + (SELECT count(*) FROM zs_tail))::bigint AS "
        "rows_touched, NOT EXISTS (SELECT FROM zs_last) AS done{cursor}",
        fmt::arg("bound", KeysetBoundCte(walk_, batch_rows, first, up_to_)),
        fmt::arg("rel", walk_.relation), fmt::arg("alias", kRowAlias),
        fmt::arg("set", touch_.Assignment(kRowAlias)),
        fmt::arg("range", KeysetRange(walk_, kRowAlias, first, "zs_last")),
        fmt::arg("after", KeysetAfter(walk_, kRowAlias, first)),
        fmt::arg("skip", touch_.Skip(kRowAlias)), fmt::arg("cursor", cursor),
        fmt::arg("up_to", up_to_));
  }

 private:
  TableWalk walk_;
  Touch touch_;
  // KeysetUpTo: the end of this walk's range; "" to the end of the table.
  std::string up_to_;
};

// ctid walk: whole pages of one heap (the table, or one leaf partition) per
// batch. One UPDATE per heap is written into the statement; all but the
// current heap's are switched off by a constant condition, so each runs as a
// TID Range Scan of its pages or not at all. See CtidPositionCtes for why no
// row is lost.
class CtidBatchQuery : public BatchQuery {
 public:
  CtidBatchQuery(TableWalk walk, Touch touch) : walk_(std::move(walk)), touch_(std::move(touch)) {}

  std::string Describe() const override { return walk_.Describe(); }
  int cursor_width() const override { return 4; }

  std::string Sql(long long batch_rows, bool first) const override {
    long long pages = CtidPages(walk_, batch_rows);
    std::string updates;
    std::string counts;
    for (size_t i = 0; i < walk_.heaps.size(); ++i) {
      updates +=
          fmt::format("touched_{0} AS (UPDATE {1} {2} SET {3} WHERE {4}{5} RETURNING 1),\n", i,
                      walk_.heaps[i], kRowAlias, touch_.Assignment(kRowAlias),
                      CtidRangeCondition(kRowAlias, static_cast<int>(i), pages, /*skip_new=*/true),
                      touch_.Skip(kRowAlias));
      counts += fmt::format("{}(SELECT count(*) FROM touched_{})", i == 0 ? "" : " + ", i);
    }
    // A walk with no heaps (a partitioned table without partitions) touches nothing.
    // (fmt, not `counts = "0"`: GCC 12 reports a false -Wrestrict on that assignment.)
    return fmt::format("WITH {},\n{}{}\nSELECT ({})::bigint AS rows_touched, {} FROM fin",
                       CtidPositionCtes(walk_, first, /*skip_new=*/true), updates,
                       CtidFinCte(pages), counts.empty() ? std::string_view("0") : counts,
                       CtidResultColumns(/*skip_new=*/true));
  }

 private:
  TableWalk walk_;
  Touch touch_;
};

}  // namespace

Result<std::unique_ptr<BatchQuery>> MakeBatchQuery(
    pg::Connection& conn, const std::string& schema, const schema::Table& table,
    const std::string& touch_column, const std::vector<triggers::TriggerSpec>& up,
    const std::vector<std::optional<std::string>>& range_end) {
  if (!up.empty()) ZS_RETURN_IF_ERROR(UpSetItem(up, kRowAlias).status());
  // `table` may be the schema before the migration, which lacks a new touch
  // column: the walk is read from the catalogs, by the relation's name.
  ZS_ASSIGN_OR_RETURN(TableWalk walk, PlanTableWalk(conn, schema, table.physical_name));
  ZS_ASSIGN_OR_RETURN(
      pg::Rows marker,
      conn.ExecParams("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = "
                      "$2 AND NOT attisdropped",
                      {walk.relation, triggers::MarkerColumnName()}));
  Touch touch{
      .column = pg::QuoteIdent(marker.empty() ? touch_column : triggers::MarkerColumnName()),
      .marker = !marker.empty(),
      .up = up};
  if (walk.keyset()) {
    std::string up_to = KeysetUpTo(walk, kRowAlias, range_end);
    return std::unique_ptr<BatchQuery>(
        std::make_unique<KeysetBatchQuery>(std::move(walk), touch, std::move(up_to)));
  }
  if (!range_end.empty()) {
    return InvalidInput(fmt::format(
        "table {} has no primary key or unique NOT NULL index, so its backfill cannot be split "
        "into key ranges; run it with --backfill-workers 1",
        walk.relation));
  }
  return std::unique_ptr<BatchQuery>(std::make_unique<CtidBatchQuery>(std::move(walk), touch));
}

}  // namespace zs::backfill
