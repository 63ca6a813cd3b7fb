#include "backfill/backfill.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "pg/ddl_runner.h"
#include "pg/quote.h"

namespace zs::backfill {

namespace {

std::string KeyList(const std::vector<const schema::Column*>& key, const std::string& prefix) {
  std::string out;
  for (const auto* column : key) {
    if (!out.empty()) out += ", ";
    out += prefix + pg::QuoteIdent(column->physical_name);
  }
  return out;
}

bool IsRetryable(const Status& status) {
  return status.sqlstate() == "55P03" || status.sqlstate() == "40P01" ||
         status.sqlstate() == "40001";
}

}  // namespace

std::vector<const schema::Column*> KeyColumns(const schema::Table& table) {
  std::vector<const schema::Column*> key;
  for (const auto& name : table.primary_key) key.push_back(table.FindPhysicalColumn(name));
  if (!key.empty()) return key;
  for (const auto& index : table.indexes) {
    if (!index.unique || !index.valid || index.columns.empty()) continue;
    key.clear();
    for (const auto& name : index.columns) {
      const schema::Column* column = table.FindPhysicalColumn(name);
      if (column == nullptr || column->nullable) break;
      key.push_back(column);
    }
    if (key.size() == index.columns.size()) return key;
  }
  return {};
}

std::string BatchSql(const std::string& schema, const schema::Table& table,
                     const std::vector<const schema::Column*>& key, const std::string& touch_column,
                     int batch_size, bool first) {
  std::string where = "true";
  if (!first) {
    std::string params;
    for (size_t i = 0; i < key.size(); ++i) {
      if (i > 0) params += ", ";
      params += fmt::format("${}::{}", i + 1, key[i]->type);
    }
    where = fmt::format("({}) > ({})", KeyList(key, ""), params);
  }
  std::string descending;
  std::string last_key_text;
  std::string join;
  for (const auto* column : key) {
    std::string name = pg::QuoteIdent(column->physical_name);
    // Qualified: the bare name would bind to the ::text output column and
    // order the keys as strings.
    descending += std::string(descending.empty() ? "" : ", ") + "batch." + name + " DESC";
    last_key_text += ", " + name + "::text";
    join += (join.empty() ? "" : " AND ") + fmt::format("t.{0} = batch.{0}", name);
  }
  std::string touch = pg::QuoteIdent(touch_column);
  return fmt::format(
      "WITH batch AS (SELECT {key} FROM {table} WHERE {where} ORDER BY {key} LIMIT {limit}),\n"
      "touched AS (UPDATE {table} t SET {touch} = t.{touch} FROM batch WHERE {join} RETURNING 1)\n"
      "SELECT (SELECT count(*) FROM touched){last} FROM batch ORDER BY {desc} LIMIT 1",
      fmt::arg("key", KeyList(key, "")),
      fmt::arg("table", pg::QualifiedName(schema, table.physical_name)), fmt::arg("where", where),
      fmt::arg("limit", batch_size), fmt::arg("touch", touch), fmt::arg("join", join),
      fmt::arg("last", last_key_text), fmt::arg("desc", descending));
}

Result<long long> Backfiller::EstimateRows(const schema::Table& table) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows,
                      conn_.ExecParams("SELECT reltuples::bigint FROM pg_class WHERE oid = "
                                       "to_regclass($1)",
                                       {pg::QualifiedName(schema_, table.physical_name)}));
  if (rows.empty() || rows.IsNull(0, 0)) return -1LL;
  return rows.GetInt(0, 0);
}

Result<long long> Backfiller::RunBatch(const std::string& sql, state::BackfillCursor& cursor,
                                       int key_size) {
  std::vector<std::optional<std::string>> params;
  if (cursor.last_key_json) {
    for (const auto& value : nlohmann::json::parse(*cursor.last_key_json)) {
      params.push_back(value.get<std::string>());
    }
  }
  pg::RetryPolicy policy{.lock_timeout = options_.lock_timeout,
                         .max_attempts = options_.max_attempts};
  for (int attempt = 1;; ++attempt) {
    ZS_RETURN_IF_ERROR(conn_.Run(
        fmt::format("BEGIN; SET LOCAL lock_timeout = '{}ms'; SET LOCAL statement_timeout = '{}ms';",
                    options_.lock_timeout.count(), options_.statement_timeout.count())));
    auto rows = conn_.ExecParams(sql, params);
    state::BackfillCursor next = cursor;
    Status status = rows.status();
    if (status.ok()) {
      long long touched = rows->empty() ? 0 : rows->GetInt(0, 0);
      next.rows_done += touched;
      if (touched == 0) {
        next.finished = true;
      } else {
        nlohmann::json key = nlohmann::json::array();
        for (int i = 0; i < key_size; ++i) key.push_back(rows->Get(0, i + 1));
        next.last_key_json = key.dump();
      }
      status = state_.SaveCursor(schema_, migration_, next);
    }
    if (status.ok()) status = conn_.Run("COMMIT");
    if (status.ok()) {
      long long touched = next.rows_done - cursor.rows_done;
      cursor = next;
      return touched;
    }
    (void)conn_.Run("ROLLBACK");
    if (!IsRetryable(status) || attempt >= options_.max_attempts) {
      return status.WithContext(fmt::format("backfill of \"{}\" (batch after key {})", cursor.table,
                                            cursor.last_key_json.value_or("start")));
    }
    std::this_thread::sleep_for(pg::BackoffDelay(policy, attempt));
  }
}

Status Backfiller::Run(const schema::Table& table, const ops::BackfillTask& task) {
  std::vector<const schema::Column*> key = KeyColumns(table);
  if (key.empty()) {
    return InvalidInput(fmt::format(
        "table \"{}\" has no primary key and no unique index on NOT NULL columns, so it cannot "
        "be backfilled in batches; add a primary key first",
        table.name));
  }
  ZS_ASSIGN_OR_RETURN(std::vector<state::BackfillCursor> cursors,
                      state_.Cursors(schema_, migration_));
  // One cursor per (table, touched column): several tasks on one table each run.
  std::string cursor_name = task.table + "." + task.touch_column;
  state::BackfillCursor cursor;
  cursor.table = cursor_name;
  for (const auto& saved : cursors) {
    if (saved.table == cursor_name) cursor = saved;
  }
  ZS_ASSIGN_OR_RETURN(long long estimate, EstimateRows(table));
  std::string first_sql =
      BatchSql(schema_, table, key, task.touch_column, options_.batch_size, true);
  std::string next_sql =
      BatchSql(schema_, table, key, task.touch_column, options_.batch_size, false);
  auto started = std::chrono::steady_clock::now();
  auto report = [&] {
    if (!options_.on_progress) return;
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    options_.on_progress({.table = table.name,
                          .rows_done = cursor.rows_done,
                          .rows_estimate = estimate,
                          .elapsed_seconds = elapsed.count(),
                          .finished = cursor.finished});
  };
  while (!cursor.finished) {
    ZS_ASSIGN_OR_RETURN(long long touched, RunBatch(cursor.last_key_json ? next_sql : first_sql,
                                                    cursor, static_cast<int>(key.size())));
    report();
    if (touched > 0 && options_.batch_delay.count() > 0) {
      std::this_thread::sleep_for(options_.batch_delay);
    }
  }
  return Status::Ok();
}

}  // namespace zs::backfill
