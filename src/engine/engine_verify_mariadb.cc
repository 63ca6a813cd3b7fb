// MariaDB's RowVerifier (engine_verify.h, engine_verify_mariadb.h).
#include "engine/engine_verify_mariadb.h"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "backend/mariadb_backend.h"
#include "backfill/mariadb_batch.h"
#include "engine/engine_verify.h"
#include "triggers/dual_write.h"

namespace zs::engine {

namespace {

using backfill::CheckResult;
using backfill::TableResult;
using triggers::Direction;
using triggers::TriggerSpec;

// Aliases of the derived table's own columns; MariadbVerifyBindings refuses
// a variable named so.
constexpr const char* kMariadbVerifyTarget = "_zs_verify_target";
constexpr const char* kMariadbVerifyMarker = "_zs_verify_marker";
std::string MariadbVerifyKeyAlias(size_t i) { return fmt::format("_zs_verify_key_{}", i); }

std::string MariadbVerifyQ(const std::string& name) { return mysql::QuoteIdentifier(name); }

struct MariadbVerifyGroup {
  std::string schema;
  std::string table;
  std::vector<const TriggerSpec*> specs;
};

std::vector<MariadbVerifyGroup> MariadbVerifyGroups(const std::vector<TriggerSpec>& specs,
                                                    bool check_down) {
  std::vector<MariadbVerifyGroup> groups;
  for (const auto& spec : specs) {
    if (spec.direction == Direction::kDown && !check_down) continue;
    auto same = std::find_if(groups.begin(), groups.end(), [&](const MariadbVerifyGroup& g) {
      return g.schema == spec.schema && g.table == spec.table;
    });
    if (same == groups.end()) {
      groups.push_back({spec.schema, spec.table, {}});
      same = groups.end() - 1;
    }
    same->specs.push_back(&spec);
  }
  return groups;
}

// The SELECT list binding the spec's variables (and the key, the target and
// the marker) for the derived table zs_row.
Result<std::string> MariadbVerifyBindings(const backfill::MariadbWalk& walk,
                                          const TriggerSpec& spec, bool marked) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < walk.key.size(); ++i) {
    std::string name = MariadbVerifyQ(walk.key[i].name);
    if (walk.key[i].kind == backfill::MariadbKeyColumn::Kind::kBinary) name = "HEX(" + name + ")";
    parts.push_back(fmt::format("{} AS {}", name, MariadbVerifyQ(MariadbVerifyKeyAlias(i))));
  }
  std::set<std::string> seen;
  for (const auto& [variable, column] : spec.variables) {
    if (variable.starts_with("_zs_verify_")) {
      return InvalidInput(fmt::format(
          "the expression {} of {}.{} names the variable `{}`, a name verify keeps for itself",
          spec.name, spec.schema, spec.table, variable));
    }
    if (!seen.insert(variable).second) continue;
    parts.push_back(fmt::format("{} AS {}", MariadbVerifyQ(column), MariadbVerifyQ(variable)));
  }
  parts.push_back(fmt::format("{} AS {}", MariadbVerifyQ(spec.target_column),
                              MariadbVerifyQ(kMariadbVerifyTarget)));
  parts.push_back(fmt::format("{} AS {}",
                              marked ? MariadbVerifyQ(triggers::MarkerColumnName()) : "NULL",
                              MariadbVerifyQ(kMariadbVerifyMarker)));
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

// The rows the spec's direction ran for (see the header).
std::string MariadbVerifyRanFor(Direction direction) {
  std::string marker = std::string("zs_row.") + MariadbVerifyQ(kMariadbVerifyMarker);
  return direction == Direction::kUp ? fmt::format("NOT ({} <=> 0)", marker)
                                     : fmt::format("({} <=> 0)", marker);
}

struct MariadbVerifyCheck {
  const TriggerSpec* spec = nullptr;
  std::string bindings;  // MariadbVerifyBindings
  std::string differs;   // MariadbVerifyDiffers over zs_row
};

// One batch's rows of one check: the keys failing it, and how many it skipped.
struct MariadbVerifyBatchCheck {
  std::vector<std::vector<std::string>> bad;
  long long skipped = 0;
};

class MariadbTableVerifier {
 public:
  MariadbTableVerifier(mysql::Connection& conn, const backfill::VerifyOptions& options,
                       backfill::MariadbWalk walk, bool marked,
                       std::vector<MariadbVerifyCheck> checks)
      : conn_(conn),
        options_(options),
        walk_(std::move(walk)),
        marked_(marked),
        checks_(std::move(checks)) {}

  Status Run(TableResult& result) {
    std::vector<std::string> after;
    for (;;) {
      ZS_RETURN_IF_ERROR(conn_.Run("START TRANSACTION READ ONLY"));
      Result<bool> more = Batch(after, result);
      Status end = conn_.Run(more.ok() ? "COMMIT" : "ROLLBACK");
      if (!more.ok()) return more.status();
      ZS_RETURN_IF_ERROR(end);
      Report(result, !*more);
      if (!*more) return Status::Ok();
    }
  }

 private:
  // Checks the batch after `after` and moves `after` to its upper bound;
  // false when there was no row left.
  Result<bool> Batch(std::vector<std::string>& after, TableResult& result) {
    ZS_ASSIGN_OR_RETURN(mysql::Rows bound, conn_.Exec(backfill::MariadbUpperBoundSql(
                                               walk_, after, options_.batch_rows)));
    if (bound.empty()) {
      ZS_ASSIGN_OR_RETURN(bound, conn_.Exec(backfill::MariadbLastKeySql(walk_, after)));
      if (bound.empty()) return false;
    }
    backfill::BatchCursor cursor;
    for (int i = 0; i < bound.columns(); ++i) cursor.push_back(bound.GetOptional(0, i));
    ZS_ASSIGN_OR_RETURN(std::vector<std::string> upto, backfill::MariadbKeyLiterals(walk_, cursor));
    std::string range = backfill::MariadbRangeCondition(walk_, after, upto);
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows count,
        conn_.Exec(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", walk_.relation, range)));
    result.rows_checked += count.GetInt(0, 0);
    std::vector<MariadbVerifyBatchCheck> batch;
    for (const auto& check : checks_) {
      ZS_ASSIGN_OR_RETURN(MariadbVerifyBatchCheck one, CheckBatch(check, range));
      batch.push_back(std::move(one));
    }
    Collect(batch, result);
    after = std::move(upto);
    return true;
  }

  // The rows of the range failing `check`, or that it did not run for.
  Result<MariadbVerifyBatchCheck> CheckBatch(const MariadbVerifyCheck& check,
                                             const std::string& range) {
    std::string ran = MariadbVerifyRanFor(check.spec->direction);
    std::string bad = marked_ ? fmt::format("({} AND {})", ran, check.differs) : check.differs;
    std::string skip = marked_ ? fmt::format("NOT {}", ran) : "FALSE";
    std::string keys, order;
    for (size_t i = 0; i < walk_.key.size(); ++i) {
      std::string alias = "zs_row." + MariadbVerifyQ(MariadbVerifyKeyAlias(i));
      keys += alias + ", ";
      order += (i == 0 ? "" : ", ") + alias;
    }
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                        conn_.Exec(fmt::format(
                            "SELECT {}COALESCE({}, TRUE) AS zs_bad FROM (SELECT {} FROM {} "
                            "WHERE {}) AS zs_row WHERE COALESCE({}, TRUE) OR {} ORDER BY {}",
                            keys, bad, check.bindings, walk_.relation, range, bad, skip, order)));
    MariadbVerifyBatchCheck out;
    int width = static_cast<int>(walk_.key.size());
    for (int r = 0; r < rows.size(); ++r) {
      if (rows.GetInt(r, width) == 0) {
        ++out.skipped;
        continue;
      }
      std::vector<std::string> key;
      for (int i = 0; i < width; ++i) key.push_back(rows.GetOptional(r, i).value_or("NULL"));
      out.bad.push_back(std::move(key));
    }
    return out;
  }

  // Counts each check's failing rows: a mismatch when the table is marked,
  // or when the row also fails a check of the other direction (or there is
  // none); else a row as a write through the other version leaves it.
  void Collect(const std::vector<MariadbVerifyBatchCheck>& batch, TableResult& result) const {
    for (size_t i = 0; i < batch.size(); ++i) {
      CheckResult& check = result.checks[i];
      check.skipped += batch[i].skipped;
      std::set<std::vector<std::string>> other_bad;
      bool has_other = false;
      for (size_t j = 0; j < batch.size(); ++j) {
        if (checks_[j].spec->direction == checks_[i].spec->direction) continue;
        has_other = true;
        other_bad.insert(batch[j].bad.begin(), batch[j].bad.end());
      }
      for (const auto& key : batch[i].bad) {
        if (marked_ || !has_other || other_bad.count(key) > 0) {
          ++check.mismatches;
          if (static_cast<int>(check.keys.size()) < options_.max_mismatches) {
            check.keys.push_back(key);
          }
        } else {
          ++check.not_inverse;
        }
      }
    }
  }

  void Report(const TableResult& result, bool done) const {
    if (!options_.on_progress) return;
    long long mismatches = 0;
    for (const auto& check : result.checks) mismatches += check.mismatches;
    options_.on_progress({.table = result.table,
                          .rows_checked = result.rows_checked,
                          .mismatches = mismatches,
                          .finished = done});
  }

  mysql::Connection& conn_;
  const backfill::VerifyOptions& options_;
  backfill::MariadbWalk walk_;
  bool marked_ = false;
  std::vector<MariadbVerifyCheck> checks_;
};

std::string MariadbVerifySkipReason(Direction direction) {
  return direction == Direction::kUp
             ? "written through the new version, where `up` does not run"
             : "written through the old version or by the backfill (or not since start), where "
               "`down` does not run";
}

Result<TableResult> MariadbVerifyTable(mysql::Connection& conn, const MariadbVerifyGroup& group,
                                       const backfill::VerifyOptions& options) {
  ZS_ASSIGN_OR_RETURN(backfill::MariadbWalk walk,
                      backfill::PlanMariadbWalk(conn, group.schema, group.table));
  TableResult result{.schema = group.schema, .table = group.table, .walk = walk.Describe()};
  ZS_ASSIGN_OR_RETURN(auto marker, MariadbColumnTypeOf(conn, group.schema, group.table,
                                                       triggers::MarkerColumnName()));
  result.marked = marker.has_value();
  if (result.marked) {
    std::string names;
    for (const auto& name :
         triggers::DualWriteFor(backend::Mariadb()).TriggerNames(group.schema, group.table)) {
      names += (names.empty() ? "" : ", ") + name;
    }
    result.trigger = names;
  }
  for (const auto& column : walk.key) result.key_columns.push_back(column.name);
  bool has_up = false, has_down = false;
  std::vector<MariadbVerifyCheck> checks;
  for (const TriggerSpec* spec : group.specs) {
    (spec->direction == Direction::kUp ? has_up : has_down) = true;
    ZS_ASSIGN_OR_RETURN(auto type,
                        MariadbColumnTypeOf(conn, group.schema, group.table, spec->target_column));
    if (!type) {
      return NotFound(fmt::format(
          "column {} of {} does not exist, but the active migration's trigger writes it; run "
          "`zeroshift status` and roll the migration back if its objects were dropped by hand",
          MariadbVerifyQ(spec->target_column), walk.relation));
    }
    ZS_ASSIGN_OR_RETURN(std::string bindings, MariadbVerifyBindings(walk, *spec, result.marked));
    std::string stored = std::string("zs_row.") + MariadbVerifyQ(kMariadbVerifyTarget);
    checks.push_back({.spec = spec,
                      .bindings = std::move(bindings),
                      .differs = MariadbVerifyDiffers(stored, spec->expression, *type)});
    result.checks.push_back(
        {.column = spec->target_column,
         .direction = spec->direction,
         .expression = spec->expression,
         .skip_reason = result.marked ? MariadbVerifySkipReason(spec->direction) : ""});
  }
  for (CheckResult& check : result.checks) check.provable = result.marked || (has_up && has_down);
  MariadbTableVerifier verifier(conn, options, std::move(walk), result.marked, std::move(checks));
  Status status = verifier.Run(result);
  if (!status.ok()) {
    return status.WithContext(fmt::format(
        "verify of {}.{} (an expression of the migration failed on a row; fix the data or the "
        "migration)",
        MariadbVerifyQ(group.schema), MariadbVerifyQ(group.table)));
  }
  return result;
}

// Names in the expressions resolve in the table's database, as in the
// trigger's body: the session uses it for the walk and goes back after.
class MariadbVerifyDatabase {
 public:
  explicit MariadbVerifyDatabase(mysql::Connection& conn) : conn_(conn) {}
  ~MariadbVerifyDatabase() {
    if (previous_ && switched_) (void)conn_.Run("USE " + MariadbVerifyQ(*previous_));
  }
  MariadbVerifyDatabase(const MariadbVerifyDatabase&) = delete;
  MariadbVerifyDatabase& operator=(const MariadbVerifyDatabase&) = delete;

  Status Use(const std::string& database) {
    if (!read_) {
      ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn_.Exec("SELECT DATABASE()"));
      previous_ = rows.GetOptional(0, 0);
      current_ = previous_;
      read_ = true;
    }
    if (current_ == database) return Status::Ok();
    ZS_RETURN_IF_ERROR(conn_.Run("USE " + MariadbVerifyQ(database)));
    current_ = database;
    switched_ = true;
    return Status::Ok();
  }

 private:
  mysql::Connection& conn_;
  bool read_ = false;
  bool switched_ = false;
  std::optional<std::string> previous_;
  std::optional<std::string> current_;
};

class MariadbRowVerifier final : public RowVerifier {
 public:
  explicit MariadbRowVerifier(backend::Session& session) : session_(session) {}

  Result<std::vector<TableResult>> Verify(const std::vector<TriggerSpec>& specs,
                                          const backfill::VerifyOptions& options) override {
    mysql::Connection& conn = backend::MariadbConnection(session_);
    MariadbVerifyDatabase database(conn);
    std::vector<TableResult> results;
    for (const auto& group : MariadbVerifyGroups(specs, options.check_down)) {
      ZS_RETURN_IF_ERROR(database.Use(group.schema));
      ZS_ASSIGN_OR_RETURN(TableResult result, MariadbVerifyTable(conn, group, options));
      results.push_back(std::move(result));
    }
    return results;
  }

 private:
  backend::Session& session_;
};

bool MariadbVerifyIsOneOf(const std::string& value, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return value == n; });
}

// A character set name from the catalog, checked before it is spliced into SQL.
bool MariadbVerifyIsCharset(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Result<std::optional<MariadbColumnType>> MariadbColumnTypeOf(mysql::Connection& conn,
                                                             const std::string& schema,
                                                             const std::string& table,
                                                             const std::string& column) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn.Exec(fmt::format(
          "SELECT DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, NUMERIC_PRECISION, NUMERIC_SCALE, "
          "DATETIME_PRECISION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND "
          "TABLE_NAME = {} AND COLUMN_NAME = {}",
          mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table), mysql::QuoteLiteral(column))));
  if (rows.empty()) return std::optional<MariadbColumnType>();
  return std::optional<MariadbColumnType>(MariadbColumnType{.data_type = rows.Get(0, 0),
                                                            .column_type = rows.Get(0, 1),
                                                            .charset = rows.Get(0, 2),
                                                            .precision = rows.Get(0, 3),
                                                            .scale = rows.Get(0, 4),
                                                            .datetime_precision = rows.Get(0, 5)});
}

std::string MariadbVerifyDiffers(const std::string& stored, const std::string& expected,
                                 const MariadbColumnType& type) {
  const std::string& t = type.data_type;
  std::string value = "(" + expected + ")";
  if (MariadbVerifyIsOneOf(t, {"tinyint", "smallint", "mediumint", "int", "bigint"})) {
    bool is_unsigned = type.column_type.find("unsigned") != std::string::npos;
    value = fmt::format("CAST({} AS {})", value, is_unsigned ? "UNSIGNED" : "SIGNED");
  } else if (t == "decimal" && !type.precision.empty()) {
    value = fmt::format("CAST({} AS DECIMAL({}, {}))", value, type.precision,
                        type.scale.empty() ? "0" : type.scale);
  } else if (t == "date") {
    value = fmt::format("CAST({} AS DATE)", value);
  } else if (MariadbVerifyIsOneOf(t, {"datetime", "timestamp", "time"})) {
    value = fmt::format("CAST({} AS {}({}))", value, t == "time" ? "TIME" : "DATETIME",
                        type.datetime_precision.empty() ? "0" : type.datetime_precision);
  } else if (MariadbVerifyIsOneOf(
                 t, {"char", "varchar", "tinytext", "text", "mediumtext", "longtext"}) &&
             MariadbVerifyIsCharset(type.charset)) {
    // Byte-exact in the column's character set: a collation's case or accent
    // folding must not hide a changed value.
    return fmt::format("NOT (CAST({} AS BINARY) <=> CAST(CONVERT({} USING {}) AS BINARY))", stored,
                       value, type.charset);
  } else if (MariadbVerifyIsOneOf(
                 t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})) {
    value = fmt::format("CAST({} AS BINARY)", value);
  }
  return fmt::format("NOT ({} <=> {})", stored, value);
}

std::unique_ptr<RowVerifier> MakeMariadbRowVerifier(backend::Session& session) {
  return std::make_unique<MariadbRowVerifier>(session);
}

}  // namespace zs::engine
