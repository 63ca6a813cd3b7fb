#include "backfill/mariadb_batch.h"

#include <fmt/format.h>
#include <mysql.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "backend/mariadb_backend.h"
#include "backfill/mariadb_probes.h"
#include "schema/mariadb_dependents.h"
#include "triggers/dual_write.h"

namespace zs::backfill {

namespace {

// The unique indexes' columns with what decides whether one can be walked:
// NOT NULL, the whole column (no prefix), ascending, not IGNORED by the
// optimizer, and of a type whose text round-trips.
constexpr char kMariadbUniqueKeysQuery[] = R"sql(
SELECT s.INDEX_NAME, s.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, s.SUB_PART IS NOT NULL,
       COALESCE(s.COLLATION, 'A'), s.IGNORED
FROM information_schema.STATISTICS s
JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA
  AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
WHERE s.TABLE_SCHEMA = {} AND s.TABLE_NAME = {} AND s.NON_UNIQUE = 0
ORDER BY s.INDEX_NAME = 'PRIMARY' DESC, s.INDEX_NAME, s.SEQ_IN_INDEX)sql";

std::string MariadbWalkJoin(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// The kind of a key column's type; nullopt for a type the walk refuses:
// FLOAT and DOUBLE (their text is rounded, so a cursor would not compare
// equal to the row it came from), ENUM and SET (a quoted literal compares as
// a string, ORDER BY sorts by the member's number), BIT (HEX() drops its
// leading zero digits), JSON and geometry.
std::optional<MariadbKeyColumn::Kind> MariadbKeyKind(const std::string& data_type) {
  using Kind = MariadbKeyColumn::Kind;
  static const std::map<std::string, Kind> kinds = {
      {"tinyint", Kind::kNumber},    {"smallint", Kind::kNumber}, {"mediumint", Kind::kNumber},
      {"int", Kind::kNumber},        {"bigint", Kind::kNumber},   {"decimal", Kind::kNumber},
      {"year", Kind::kNumber},       {"char", Kind::kString},     {"varchar", Kind::kString},
      {"tinytext", Kind::kString},   {"text", Kind::kString},     {"mediumtext", Kind::kString},
      {"longtext", Kind::kString},   {"date", Kind::kString},     {"datetime", Kind::kString},
      {"timestamp", Kind::kString},  {"time", Kind::kString},     {"uuid", Kind::kString},
      {"inet4", Kind::kString},      {"inet6", Kind::kString},    {"binary", Kind::kBinary},
      {"varbinary", Kind::kBinary},  {"tinyblob", Kind::kBinary}, {"blob", Kind::kBinary},
      {"mediumblob", Kind::kBinary}, {"longblob", Kind::kBinary},
  };
  auto it = kinds.find(data_type);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

struct MariadbIndexCandidate {
  std::string name;
  std::vector<MariadbKeyColumn> columns;
  std::string unusable;  // why it cannot be walked; "" when it can
};

std::vector<MariadbIndexCandidate> MariadbWalkCandidates(const mysql::Rows& rows) {
  std::vector<MariadbIndexCandidate> out;
  for (int i = 0; i < rows.size(); ++i) {
    if (out.empty() || out.back().name != rows.Get(i, 0)) out.push_back({.name = rows.Get(i, 0)});
    MariadbIndexCandidate& index = out.back();
    std::string column = rows.Get(i, 1);
    std::string type = rows.Get(i, 2);
    auto kind = MariadbKeyKind(type);
    std::string why;
    if (rows.Get(i, 3) == "YES") {
      why = fmt::format("{} is nullable", mysql::QuoteIdentifier(column));
    } else if (rows.Get(i, 4) == "1") {
      why = fmt::format("it indexes a prefix of {}", mysql::QuoteIdentifier(column));
    } else if (rows.Get(i, 5) != "A") {
      why = fmt::format("it orders {} descending", mysql::QuoteIdentifier(column));
    } else if (rows.Get(i, 6) == "YES") {
      why = "it is IGNORED";
    } else if (!kind) {
      why = fmt::format("{} is of type {}, which the walk cannot compare exactly",
                        mysql::QuoteIdentifier(column), type);
    }
    if (index.unusable.empty()) index.unusable = why;
    index.columns.push_back({.name = column,
                             .data_type = type,
                             .kind = kind.value_or(MariadbKeyColumn::Kind::kString)});
  }
  return out;
}

std::string MariadbNoKeyMessage(const MariadbWalk& walk,
                                const std::vector<MariadbIndexCandidate>& candidates) {
  std::string reasons;
  for (const auto& index : candidates) {
    reasons +=
        fmt::format("; {} does not qualify: {}",
                    index.name == "PRIMARY" ? std::string("the primary key")
                                            : "unique index " + mysql::QuoteIdentifier(index.name),
                    index.unusable);
  }
  return fmt::format(
      "table {} has no primary key and no unique index whose columns are all NOT NULL, so the "
      "backfill cannot walk it in batches{}; add a primary key (ALTER TABLE {} ADD PRIMARY KEY "
      "(...)) or a unique index on NOT NULL columns, then run the migration again",
      walk.relation, reasons, walk.relation);
}

bool MariadbWalkIsNumber(const std::string& text) {
  size_t i = text[0] == '-' ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    if (text[i] == '.' && !dot) {
      dot = true;
    } else if (text[i] >= '0' && text[i] <= '9') {
      digits = true;
    } else {
      return false;
    }
  }
  return digits;
}

bool MariadbWalkIsHex(const std::string& text) {
  return text.size() % 2 == 0 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
         });
}

// `(k1 op1 v1) OR (k1 = v1 AND k2 op v2) OR ...`: a row comparison of the key
// with `values`, where `last` is the operator of the last column and `lead`
// of the ones before it (> for "after", < for "up to").
std::string MariadbRowComparison(const MariadbWalk& walk, const std::vector<std::string>& values,
                                 std::string_view lead, std::string_view last) {
  std::vector<std::string> terms;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    std::vector<std::string> parts;
    for (size_t j = 0; j < i; ++j) {
      parts.push_back(fmt::format("{} = {}", mysql::QuoteIdentifier(walk.key[j].name), values[j]));
    }
    parts.push_back(fmt::format("{} {} {}", mysql::QuoteIdentifier(walk.key[i].name),
                                i + 1 == walk.key.size() ? last : lead, values[i]));
    terms.push_back("(" + MariadbWalkJoin(parts, " AND ") + ")");
  }
  return "(" + MariadbWalkJoin(terms, " OR ") + ")";
}

std::string MariadbKeyOrder(const MariadbWalk& walk, std::string_view direction) {
  std::vector<std::string> parts;
  for (const auto& column : walk.key) {
    parts.push_back(fmt::format("{}{}", mysql::QuoteIdentifier(column.name), direction));
  }
  return MariadbWalkJoin(parts, ", ");
}

std::string MariadbAfterCondition(const MariadbWalk& walk, const std::vector<std::string>& after) {
  return after.empty() ? "TRUE" : MariadbRowComparison(walk, after, ">", ">");
}

// "Rows matched: 1000  Changed: 998  Warnings: 0": the rows the UPDATE
// walked, including those it left as they were (affected rows counts only
// changed ones).
long long MariadbRowsMatched(mysql::Connection& conn) {
  const char* info = mysql_info(conn.raw());
  if (info == nullptr) return 0;
  const char* matched = std::strstr(info, "matched: ");
  return matched == nullptr ? 0 : std::strtoll(matched + 9, nullptr, 10);
}

}  // namespace

std::string MariadbWalk::Describe() const {
  std::vector<std::string> names;
  for (const auto& column : key) names.push_back(column.name);
  return fmt::format("keyset on {} ({})", key_source, MariadbWalkJoin(names, ", "));
}

Result<MariadbWalk> PlanMariadbWalk(mysql::Connection& conn, const std::string& schema,
                                    const std::string& table) {
  MariadbWalk walk{
      .schema = schema,
      .table = table,
      .relation = mysql::QuoteIdentifier(schema) + "." + mysql::QuoteIdentifier(table)};
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows exists,
      conn.Exec(fmt::format("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} "
                            "AND TABLE_NAME = {} AND TABLE_TYPE = 'BASE TABLE'",
                            mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table))));
  if (exists.empty()) {
    return NotFound(
        fmt::format("table {} does not exist; check the database and table name", walk.relation));
  }
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn.Exec(fmt::format(kMariadbUniqueKeysQuery, mysql::QuoteLiteral(schema),
                                            mysql::QuoteLiteral(table))));
  std::vector<MariadbIndexCandidate> candidates = MariadbWalkCandidates(rows);
  const MariadbIndexCandidate* best = nullptr;
  for (const auto& index : candidates) {
    if (!index.unusable.empty()) continue;
    // The primary key first (it sorts first), then the narrowest index.
    if (best == nullptr ||
        (best->name != "PRIMARY" && index.columns.size() < best->columns.size())) {
      best = &index;
    }
  }
  if (best == nullptr) return InvalidInput(MariadbNoKeyMessage(walk, candidates));
  walk.key = best->columns;
  walk.key_source = best->name == "PRIMARY" ? std::string("primary key")
                                            : "unique index " + mysql::QuoteIdentifier(best->name);
  return walk;
}

Result<std::vector<std::string>> MariadbKeyLiterals(const MariadbWalk& walk,
                                                    const BatchCursor& cursor) {
  std::vector<std::string> out;
  if (cursor.empty()) return out;
  if (cursor.size() != walk.key.size()) {
    return InvalidInput(fmt::format(
        "the saved backfill cursor of {} has {} values but the walk's key ({}) has {} columns: "
        "the table's key changed since the backfill began; run `zeroshift rollback` and start "
        "again",
        walk.relation, cursor.size(), walk.Describe(), walk.key.size()));
  }
  for (size_t i = 0; i < cursor.size(); ++i) {
    const MariadbKeyColumn& column = walk.key[i];
    const std::string text = cursor[i].value_or("");
    bool valid = cursor[i].has_value() && !text.empty();
    switch (column.kind) {
      case MariadbKeyColumn::Kind::kNumber:
        valid = valid && MariadbWalkIsNumber(text);
        out.push_back(text);
        break;
      case MariadbKeyColumn::Kind::kBinary:
        valid = cursor[i].has_value() && MariadbWalkIsHex(text);
        out.push_back(fmt::format("X'{}'", text));
        break;
      case MariadbKeyColumn::Kind::kString:
        valid = cursor[i].has_value();
        out.push_back(mysql::QuoteLiteral(text));
        break;
    }
    if (!valid) {
      return InvalidInput(fmt::format(
          "the saved backfill cursor of {} holds {} for column {} ({}), which is not a value of "
          "that type; run `zeroshift rollback` and start again",
          walk.relation, cursor[i] ? "\"" + text + "\"" : "NULL",
          mysql::QuoteIdentifier(column.name), column.data_type));
    }
  }
  return out;
}

std::string MariadbKeySelectList(const MariadbWalk& walk) {
  std::vector<std::string> parts;
  for (const auto& column : walk.key) {
    std::string name = mysql::QuoteIdentifier(column.name);
    parts.push_back(column.kind == MariadbKeyColumn::Kind::kBinary ? "HEX(" + name + ")" : name);
  }
  return MariadbWalkJoin(parts, ", ");
}

namespace {

// ` AND key <= end` (a range of a parallel backfill), or "".
std::string MariadbUpToEnd(const MariadbWalk& walk, const std::vector<std::string>& end) {
  return end.empty() ? "" : " AND " + MariadbRowComparison(walk, end, "<", "<=");
}

}  // namespace

std::string MariadbUpperBoundSql(const MariadbWalk& walk, const std::vector<std::string>& after,
                                 long long rows, const std::vector<std::string>& end) {
  return fmt::format("SELECT {} FROM {} WHERE {}{} ORDER BY {} LIMIT 1 OFFSET {}",
                     MariadbKeySelectList(walk), walk.relation, MariadbAfterCondition(walk, after),
                     MariadbUpToEnd(walk, end), MariadbKeyOrder(walk, ""), std::max(1LL, rows) - 1);
}

std::string MariadbLastKeySql(const MariadbWalk& walk, const std::vector<std::string>& after,
                              const std::vector<std::string>& end) {
  return fmt::format("SELECT {} FROM {} WHERE {}{} ORDER BY {} LIMIT 1", MariadbKeySelectList(walk),
                     walk.relation, MariadbAfterCondition(walk, after), MariadbUpToEnd(walk, end),
                     MariadbKeyOrder(walk, " DESC"));
}

Result<std::vector<BatchCursor>> MariadbSplitKeys(mysql::Connection& conn, const MariadbWalk& walk,
                                                  const BatchCursor& after, int ranges,
                                                  long long remaining) {
  std::vector<BatchCursor> out;
  ranges = static_cast<int>(std::min<long long>(ranges, remaining / kMariadbMinRangeRows));
  if (ranges < 2) return out;
  ZS_ASSIGN_OR_RETURN(std::vector<std::string> from, MariadbKeyLiterals(walk, after));
  for (int i = 1; i < ranges; ++i) {
    long long offset = remaining * i / ranges;
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(MariadbUpperBoundSql(walk, from, offset)));
    if (rows.empty()) break;
    BatchCursor key;
    for (int c = 0; c < rows.columns(); ++c) key.push_back(rows.GetOptional(0, c));
    if (out.empty() || out.back() != key) out.push_back(std::move(key));
  }
  return out;
}

std::string MariadbRangeCondition(const MariadbWalk& walk, const std::vector<std::string>& after,
                                  const std::vector<std::string>& upto) {
  std::string up_to = MariadbRowComparison(walk, upto, "<", "<=");
  if (after.empty()) return up_to;
  return MariadbAfterCondition(walk, after) + " AND " + up_to;
}

Result<MariadbAssignments> MariadbUpAssignments(const std::string& table,
                                                const std::vector<triggers::TriggerSpec>& up,
                                                bool has_marker) {
  std::vector<std::string> sets;
  for (const auto& spec : up) {
    if (spec.direction != triggers::Direction::kUp || spec.table != table) continue;
    for (const auto& [name, column] : spec.variables) {
      if (name == column) continue;
      return InvalidInput(fmt::format(
          "the `up` expression of {}.{} reads {} as column {}: the MariaDB backfill computes "
          "`up` in its UPDATE over the physical columns and cannot rename them yet; split the "
          "migration so that the rename comes in a migration of its own",
          mysql::QuoteIdentifier(table), mysql::QuoteIdentifier(spec.target_column),
          mysql::QuoteIdentifier(name), mysql::QuoteIdentifier(column)));
    }
    // MariaDB assigns left to right, so a later expression reading an earlier
    // target sees the new value, as in the trigger.
    sets.push_back(
        fmt::format("{} = ({})", mysql::QuoteIdentifier(spec.target_column), spec.expression));
  }
  if (sets.empty()) {
    return InvalidInput(fmt::format(
        "no `up` expression was given for table {}: the MariaDB backfill computes `up` in its "
        "own UPDATE and has nothing to compute",
        mysql::QuoteIdentifier(table)));
  }
  MariadbAssignments out;
  // The marker (triggers::MarkerColumnName), when the table has one: rows
  // written through the trigger carry it and are skipped, as on PostgreSQL.
  // The batch leaves it NULL (see the header: NULL -> TRUE would make every
  // row one byte longer, and a longer row is rewritten, not updated in place).
  if (has_marker) {
    out.skip = fmt::format(" AND {} IS NULL", mysql::QuoteIdentifier(triggers::MarkerColumnName()));
  }
  out.set = MariadbWalkJoin(sets, ", ");
  return out;
}

Result<long long> EstimateMariadbRows(mysql::Connection& conn, const std::string& schema,
                                      const std::string& table) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE "
                            "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                            mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table))));
  if (rows.empty() || rows.IsNull(0, 0)) return -1LL;
  return rows.GetInt(0, 0);
}

MariadbRebuildChoice ChooseMariadbRebuild(long long table_bytes, bool replicas,
                                          const std::string& growing_column) {
  if (!growing_column.empty()) {
    return {.rebuild = false,
            .reason = fmt::format("column {} grows each row when the backfill fills it, rebuilt "
                                  "or not (nullable or of variable length)",
                                  mysql::QuoteIdentifier(growing_column))};
  }
  long long limit = replicas ? kMariadbRebuildMaxBytesWithReplicas : kMariadbRebuildMaxBytes;
  if (table_bytes < 0) return {.rebuild = false, .reason = "its size is unknown"};
  if (table_bytes > limit) {
    return {
        .rebuild = false,
        .reason = fmt::format(
            "it holds {} MiB, more than the {} MiB rebuilt first{}", table_bytes >> 20, limit >> 20,
            replicas ? " when replicas are named (each replays the rebuild in one piece)" : "")};
  }
  return {.rebuild = true, .reason = ""};
}

namespace {

// Types InnoDB stores in a fixed number of bytes: a NOT NULL column of one
// keeps the row's size when its value changes.
bool MariadbFixedSizeType(const std::string& data_type) {
  static const std::set<std::string> fixed = {
      "tinyint", "smallint", "mediumint", "int",       "bigint", "decimal", "float",
      "double",  "date",     "datetime",  "timestamp", "time",   "year",    "bit"};
  return fixed.count(data_type) > 0;
}

}  // namespace

Result<MariadbRebuildChoice> DecideMariadbRebuild(mysql::Connection& conn,
                                                  const std::string& schema,
                                                  const std::string& table,
                                                  const std::vector<std::string>& filled,
                                                  bool replicas) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows size,
      conn.Exec(fmt::format("SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {}",
                            mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table))));
  std::string growing;
  if (filled.empty()) growing = "(none recorded)";
  for (const std::string& column : filled) {
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows type,
        conn.Exec(fmt::format("SELECT DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS "
                              "WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND COLUMN_NAME = {}",
                              mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table),
                              mysql::QuoteLiteral(column))));
    if (type.empty()) continue;
    if (type.Get(0, 1) == "YES" || !MariadbFixedSizeType(type.Get(0, 0))) {
      growing = column;
      break;
    }
  }
  return ChooseMariadbRebuild(size.empty() || size.IsNull(0, 0) ? -1 : size.GetInt(0, 0), replicas,
                              growing);
}

namespace {

// `SET STATEMENT ... FOR `: the batch's bounds on one statement, leaving the
// session's settings alone. Lock waits are whole seconds on MariaDB (row
// locks: innodb_lock_wait_timeout; metadata locks: lock_wait_timeout), so a
// bound under a second waits one second; the statement's time is exact.
std::string MariadbBatchBounded(const BatchBounds& bounds) {
  long long lock_s = std::max<long long>(1, (bounds.lock_timeout.count() + 999) / 1000);
  return fmt::format(
      "SET STATEMENT innodb_lock_wait_timeout = {0}, lock_wait_timeout = {0}, "
      "max_statement_time = {1:.3f} FOR ",
      lock_s, static_cast<double>(bounds.statement_timeout.count()) / 1000);
}

class MariadbTableBatches final : public TableBatches {
 public:
  MariadbTableBatches(mysql::Connection& conn, MariadbWalk walk, MariadbAssignments assignments,
                      BatchBounds bounds, std::vector<std::string> end)
      : conn_(conn),
        walk_(std::move(walk)),
        assignments_(std::move(assignments)),
        bounds_(bounds),
        end_(std::move(end)) {}

  std::string Describe() const override { return walk_.Describe(); }

  // MariaDB cannot silence a table's triggers for one session (PostgreSQL's
  // session_replication_role): a user's UPDATE trigger (an `updated_at`)
  // would run for every row. zeroshift's own start with
  // schema::kMariadbZeroshiftTriggerPrefix (triggers/mariadb_dual_write.h);
  // the CHECKs zeroshift enforces by trigger start with the label `zs_check:`
  // (ops/mariadb_swap_rules.h) and fire on purpose: they check what it writes.
  Status CheckUserTriggers() override {
    if (bounds_.fire_user_triggers) return Status::Ok();
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows rows,
        conn_.Exec(fmt::format(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = {} "
            "AND EVENT_OBJECT_TABLE = {} AND EVENT_MANIPULATION = 'UPDATE' AND "
            "LEFT(TRIGGER_NAME, {}) <> {} AND LEFT(ACTION_STATEMENT, 9) <> 'zs_check:' "
            "ORDER BY TRIGGER_NAME",
            mysql::QuoteLiteral(walk_.schema), mysql::QuoteLiteral(walk_.table),
            std::string_view(schema::kMariadbZeroshiftTriggerPrefix).size(),
            mysql::QuoteLiteral(schema::kMariadbZeroshiftTriggerPrefix))));
    if (rows.empty()) return Status::Ok();
    std::vector<std::string> names;
    for (int i = 0; i < rows.size(); ++i) names.push_back(mysql::QuoteIdentifier(rows.Get(i, 0)));
    return InvalidInput(fmt::format(
        "table {} has UPDATE triggers ({}) that would fire for every row the backfill rewrites "
        "(an `updated_at` trigger would rewrite every timestamp), and MariaDB cannot keep them "
        "quiet for one session; make them do nothing while @zeroshift_backfill = 1, drop them "
        "for the migration, or pass --backfill-fires-user-triggers to let them fire",
        walk_.relation, MariadbWalkJoin(names, ", ")));
  }

  Status Begin() override {
    // The dual-write trigger steps aside for this session's batches: the
    // UPDATE computes `up` itself. Cleared again by Commit and Rollback.
    ZS_RETURN_IF_ERROR(conn_.Run("SET @zeroshift_backfill = 1"));
    // Whatever the session's level: no gap locks (inserts at the end of
    // the table go on), and the UPDATE reads the latest committed rows.
    ZS_RETURN_IF_ERROR(conn_.Run("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"));
    return conn_.Run("START TRANSACTION");
  }

  Result<BatchOutcome> Next(const BatchCursor& cursor, long long rows) override {
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> after, MariadbKeyLiterals(walk_, cursor));
    BatchOutcome outcome;
    std::string bounded = MariadbBatchBounded(bounds_);
    ZS_ASSIGN_OR_RETURN(mysql::Rows bound,
                        conn_.Exec(bounded + MariadbUpperBoundSql(walk_, after, rows, end_)));
    if (bound.empty()) {
      // Fewer than `rows` keys remain: this batch takes them all.
      outcome.done = true;
      ZS_ASSIGN_OR_RETURN(bound, conn_.Exec(bounded + MariadbLastKeySql(walk_, after, end_)));
      if (bound.empty()) return outcome;  // nothing after the cursor
    }
    BatchCursor upper;
    for (int i = 0; i < bound.columns(); ++i) upper.push_back(bound.GetOptional(0, i));
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> upto, MariadbKeyLiterals(walk_, upper));
    ZS_RETURN_IF_ERROR(conn_.Run(
        bounded + fmt::format("UPDATE {} SET {} WHERE {}{}", walk_.relation, assignments_.set,
                              MariadbRangeCondition(walk_, after, upto), assignments_.skip)));
    outcome.rows_touched = MariadbRowsMatched(conn_);
    outcome.cursor = std::move(upper);
    return outcome;
  }

  Status Commit() override {
    Status status = conn_.Run("COMMIT");
    Status cleared = conn_.Run("SET @zeroshift_backfill = NULL");
    return status.ok() ? cleared : status;
  }

  void Rollback() override {
    (void)conn_.Run("ROLLBACK");
    (void)conn_.Run("SET @zeroshift_backfill = NULL");
  }

 private:
  mysql::Connection& conn_;
  MariadbWalk walk_;
  MariadbAssignments assignments_;
  BatchBounds bounds_;
  // The last key of this range of a parallel backfill, as literals (empty:
  // to the end of the table, rows inserted meanwhile included).
  std::vector<std::string> end_;
};

class MariadbBatchBackend final : public BatchBackend {
 public:
  MariadbBatchBackend(mysql::Connection& conn, ProbeTargets targets)
      : conn_(conn), probes_(std::move(targets.replica_urls)) {}

  const backend::Backend& backend() const override { return backend::Mariadb(); }

  Result<std::unique_ptr<TableBatches>> Prepare(const TableRequest& request,
                                                const BatchBounds& bounds) override {
    ZS_ASSIGN_OR_RETURN(MariadbWalk walk, PlanMariadbWalk(conn_, request.schema, request.table));
    ZS_ASSIGN_OR_RETURN(mysql::Rows marker,
                        conn_.Exec(fmt::format(
                            "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} "
                            "AND TABLE_NAME = {} AND COLUMN_NAME = {}",
                            mysql::QuoteLiteral(request.schema), mysql::QuoteLiteral(request.table),
                            mysql::QuoteLiteral(triggers::MarkerColumnName()))));
    ZS_ASSIGN_OR_RETURN(MariadbAssignments assignments,
                        MariadbUpAssignments(request.table, request.up, !marker.empty()));
    std::vector<std::string> end;
    if (!request.range_end.empty()) {
      ZS_ASSIGN_OR_RETURN(end, MariadbKeyLiterals(walk, request.range_end));
    }
    return std::unique_ptr<TableBatches>(std::make_unique<MariadbTableBatches>(
        conn_, std::move(walk), std::move(assignments), bounds, std::move(end)));
  }

  Result<long long> EstimateRows(const std::string& schema, const std::string& table) override {
    return EstimateMariadbRows(conn_, schema, table);
  }

  Result<PressureSample> ProbePressure(const std::string& schema, const std::string& table,
                                       const PressureThresholds& thresholds) override {
    return probes_.Probe(conn_, schema, table, thresholds);
  }

  Result<KeySplits> SplitKeys(const std::string& schema, const std::string& table,
                              const BatchCursor& after, int ranges,
                              long long rows_estimate) override {
    ZS_ASSIGN_OR_RETURN(MariadbWalk walk, PlanMariadbWalk(conn_, schema, table));
    ZS_ASSIGN_OR_RETURN(std::vector<BatchCursor> keys,
                        MariadbSplitKeys(conn_, walk, after, ranges, rows_estimate));
    return KeySplits{.keys = std::move(keys)};
  }

  Result<long long> SessionId(backend::Session& session) override {
    return static_cast<long long>(backend::MariadbConnection(session).ConnectionId());
  }

  Status Run(const std::string& statement) override { return conn_.Run(statement); }

 private:
  mysql::Connection& conn_;
  MariadbProbes probes_;
};

}  // namespace

std::unique_ptr<BatchBackend> MakeMariadbBatchBackend(mysql::Connection& conn,
                                                      const ProbeTargets& targets) {
  return std::make_unique<MariadbBatchBackend>(conn, targets);
}

}  // namespace zs::backfill
