#include "backfill/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "backfill/table_walk.h"
#include "pg/quote.h"

namespace zs::backfill {

namespace {

const char* DirectionName(triggers::Direction direction) {
  return direction == triggers::Direction::kUp ? "up" : "down";
}

std::string BadColumn(size_t i) { return fmt::format("zs_bad_{}", i); }
std::string SkipColumn(size_t i) { return fmt::format("zs_skip_{}", i); }

std::string Plural(long long n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The specs of one table, in the order they were given.
struct TableChecks {
  std::string schema;
  std::string table;
  std::vector<const triggers::TriggerSpec*> specs;
};

std::vector<TableChecks> GroupByTable(const std::vector<triggers::TriggerSpec>& specs,
                                      bool check_down) {
  std::vector<TableChecks> groups;
  for (const auto& spec : specs) {
    if (spec.direction == triggers::Direction::kDown && !check_down) continue;
    auto same = std::find_if(groups.begin(), groups.end(), [&](const TableChecks& g) {
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

// The column's type, and whether it has an `=` operator of its own (json,
// xml, point have none; a domain counts its base type's; arrays count as
// comparable). Without one, values are compared as text.
constexpr char kColumnTypeQuery[] = R"sql(
SELECT format_type(a.atttypid, a.atttypmod),
       t.typcategory = 'A' OR EXISTS (
         SELECT 1 FROM pg_operator o
         WHERE o.oprname = '=' AND o.oprleft = o.oprright
           AND o.oprleft = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END)
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped)sql";

struct TargetType {
  std::string name;
  bool has_equality = true;
};

Result<TargetType> ColumnType(pg::Connection& conn, const std::string& relation,
                              const std::string& column) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.ExecParams(kColumnTypeQuery, {relation, column}));
  if (rows.empty()) {
    return NotFound(fmt::format(
        "column \"{}\" of {} does not exist, but the active migration's trigger writes it; run "
        "`zeroshift status` and roll the migration back if its objects were dropped by hand",
        column, relation));
  }
  return TargetType{rows.Get(0, 0), rows.GetBool(0, 1)};
}

// For each check, the condition under which a row that fails it is a
// mismatch: it also fails a check of the other direction (no write through
// the triggers leaves it so). "true" when the table has no check of the
// other direction. See CheckResult.
std::vector<std::string> OtherDirectionFails(const std::vector<triggers::Direction>& directions) {
  std::vector<std::string> out;
  for (size_t i = 0; i < directions.size(); ++i) {
    std::string any;
    for (size_t j = 0; j < directions.size(); ++j) {
      if (directions[j] == directions[i]) continue;
      any += (any.empty() ? "" : " OR ") + fmt::format("batch.{}", BadColumn(j));
    }
    out.push_back(any.empty() ? "true" : "(" + any + ")");
  }
  return out;
}

// The per-check columns of the final SELECT (kColumnsPerCheck of them): the
// mismatches, the rows that differ only as a write through the other version
// leaves them, the rows skipped, and the first mismatching keys as JSON.
constexpr int kColumnsPerCheck = 4;
std::string CheckColumns(const std::vector<std::string>& other_fails, const std::string& key_json,
                         const std::string& order, int max_keys) {
  std::string out;
  for (size_t i = 0; i < other_fails.size(); ++i) {
    out += fmt::format(
        ",\n (SELECT count(*) FROM batch WHERE batch.{0} AND {4})::bigint,"
        " (SELECT count(*) FROM batch WHERE batch.{0} AND NOT {4})::bigint,"
        " (SELECT count(*) FROM batch WHERE batch.{5})::bigint,"
        " (SELECT coalesce(json_agg(s.k), '[]')::text FROM (SELECT {1} AS k FROM batch WHERE "
        "batch.{0} AND {4} ORDER BY {2} LIMIT {3}) s)",
        BadColumn(i), key_json, order, max_keys, other_fails[i], SkipColumn(i));
  }
  return out;
}

// Which rows each direction's expressions ran for, by the marker
// (triggers::MarkerColumnName): `up` for true and NULL (the backfill has not
// reached the row yet, and will run `up`), `down` for false.
std::string RanFor(triggers::Direction direction, const std::string& row_alias) {
  std::string marker =
      fmt::format("{}.{}", row_alias, pg::QuoteIdent(triggers::MarkerColumnName()));
  return direction == triggers::Direction::kUp ? marker + " IS DISTINCT FROM false"
                                               : marker + " IS NOT DISTINCT FROM false";
}

std::string SkipReason(triggers::Direction direction) {
  return direction == triggers::Direction::kUp
             ? "written through the new version, where `up` does not run"
             : "written through the old version or by the backfill (or not since start), where "
               "`down` does not run";
}

class TableVerifier {
 public:
  // conditions[i]: the row fails check i; skips[i]: check i does not apply
  // to the row; other_fails[i]: see OtherDirectionFails ("true" when marked).
  TableVerifier(pg::Connection& conn, const VerifyOptions& options, TableWalk walk,
                std::vector<std::string> conditions, std::vector<std::string> skips,
                std::vector<std::string> other_fails)
      : conn_(conn),
        options_(options),
        walk_(std::move(walk)),
        conditions_(std::move(conditions)),
        skips_(std::move(skips)),
        other_fails_(std::move(other_fails)) {}

  // REQUIRES: result.checks has one entry per condition.
  Status Run(TableResult& result) {
    int width = walk_.keyset() ? static_cast<int>(walk_.key.size()) : 3;
    std::vector<std::optional<std::string>> cursor;
    for (bool first = true;; first = false) {
      std::string sql = Sql(first);
      ZS_ASSIGN_OR_RETURN(pg::Rows rows, ReadOnly(sql, cursor));
      result.rows_checked += rows.GetInt(0, 0);
      for (size_t i = 0; i < result.checks.size(); ++i) {
        Collect(rows, 2 + width + kColumnsPerCheck * static_cast<int>(i), result.checks[i]);
      }
      bool done = rows.GetBool(0, 1);
      Report(result, done);
      if (done) return Status::Ok();
      cursor.clear();
      for (int i = 0; i < width; ++i) cursor.push_back(rows.GetOptional(0, 2 + i));
    }
  }

 private:
  std::string Extras() const {
    std::string out;
    for (size_t i = 0; i < conditions_.size(); ++i) {
      out += fmt::format(", ({}) AS {}, ({}) AS {}", conditions_[i], BadColumn(i), skips_[i],
                         SkipColumn(i));
    }
    return out;
  }

  std::string Sql(bool first) const {
    long long n = options_.batch_rows;
    if (walk_.keyset()) {
      return fmt::format("WITH {}\nSELECT (SELECT count(*) FROM batch)::bigint, {}{}",
                         KeysetBatchCte(walk_, Extras(), n, first), KeysetResultColumns(walk_, n),
                         CheckColumns(other_fails_, KeysetJson(walk_), KeysetOrder(walk_),
                                      options_.max_mismatches));
    }
    long long pages = CtidPages(walk_, n);
    std::string members;
    for (size_t i = 0; i < walk_.heaps.size(); ++i) {
      members += fmt::format(
          "{}SELECT {}::text AS zs_heap, {}.ctid AS zs_ctid{} FROM {} {} WHERE {}",
          i == 0 ? "" : "\n  UNION ALL ", pg::QuoteLiteral(walk_.heaps[i]), kRowAlias, Extras(),
          walk_.heaps[i], kRowAlias,
          CtidRangeCondition(kRowAlias, static_cast<int>(i), pages, /*skip_new=*/false));
    }
    return fmt::format(
        "WITH {},\nbatch AS ({}),\n{}\nSELECT (SELECT count(*) FROM batch)::bigint, {}{} FROM fin",
        CtidPositionCtes(walk_, first, /*skip_new=*/false), members, CtidFinCte(pages),
        CtidResultColumns(/*skip_new=*/false),
        CheckColumns(other_fails_, "json_build_array(batch.zs_heap, batch.zs_ctid::text)",
                     "batch.zs_heap, batch.zs_ctid", options_.max_mismatches));
  }

  Result<pg::Rows> ReadOnly(const std::string& sql,
                            const std::vector<std::optional<std::string>>& cursor) {
    ZS_RETURN_IF_ERROR(conn_.Run("BEGIN READ ONLY"));
    Result<pg::Rows> rows = conn_.ExecParams(sql, cursor);
    Status end = conn_.Run(rows.ok() ? "COMMIT" : "ROLLBACK");
    if (!rows.ok()) return rows.status();
    ZS_RETURN_IF_ERROR(end);
    return rows;
  }

  void Collect(const pg::Rows& rows, int column, CheckResult& check) const {
    check.mismatches += rows.GetInt(0, column);
    check.not_inverse += rows.GetInt(0, column + 1);
    check.skipped += rows.GetInt(0, column + 2);
    for (const auto& key : nlohmann::json::parse(rows.Get(0, column + 3))) {
      if (static_cast<int>(check.keys.size()) >= options_.max_mismatches) break;
      std::vector<std::string> values;
      for (const auto& value : key) {
        values.push_back(value.is_null() ? "NULL" : value.get<std::string>());
      }
      check.keys.push_back(std::move(values));
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

  pg::Connection& conn_;
  const VerifyOptions& options_;
  TableWalk walk_;
  std::vector<std::string> conditions_;
  std::vector<std::string> skips_;
  std::vector<std::string> other_fails_;
};

Result<bool> HasMarker(pg::Connection& conn, const std::string& relation) {
  ZS_ASSIGN_OR_RETURN(
      pg::Rows rows,
      conn.ExecParams("SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 "
                      "AND attnum > 0 AND NOT attisdropped",
                      {relation, triggers::MarkerColumnName()}));
  return !rows.empty();
}

Result<TableResult> VerifyTable(pg::Connection& conn, const TableChecks& group,
                                const VerifyOptions& options) {
  ZS_ASSIGN_OR_RETURN(TableWalk walk, PlanTableWalk(conn, group.schema, group.table));
  TableResult result{.schema = group.schema, .table = group.table, .walk = walk.Describe()};
  // The marker column comes and goes with zeroshift's trigger.
  ZS_ASSIGN_OR_RETURN(result.marked, HasMarker(conn, walk.relation));
  if (result.marked) result.trigger = triggers::TableTriggerName(group.schema, group.table);
  if (walk.keyset()) {
    for (const auto& column : walk.key) result.key_columns.push_back(column.name);
  } else {
    result.key_columns = {"relation", "ctid"};
  }
  std::vector<std::string> conditions, skips;
  std::vector<triggers::Direction> directions;
  bool has_up = false, has_down = false;
  for (const auto* spec : group.specs) {
    (spec->direction == triggers::Direction::kUp ? has_up : has_down) = true;
    directions.push_back(spec->direction);
    ZS_ASSIGN_OR_RETURN(TargetType type, ColumnType(conn, walk.relation, spec->target_column));
    std::string differs = MismatchCondition(*spec, type.name, type.has_equality, kRowAlias);
    if (result.marked) {
      // The expression only where it ran: evaluated for the other rows it
      // could fail (a `down` on a row whose new columns are not filled yet).
      std::string ran = RanFor(spec->direction, kRowAlias);
      conditions.push_back(fmt::format("CASE WHEN {} THEN {} ELSE false END", ran, differs));
      skips.push_back(fmt::format("NOT ({})", ran));
    } else {
      conditions.push_back(differs);
      skips.push_back("false");
    }
    result.checks.push_back({.column = spec->target_column,
                             .direction = spec->direction,
                             .expression = spec->expression,
                             .skip_reason = result.marked ? SkipReason(spec->direction) : ""});
  }
  std::vector<std::string> other_fails = result.marked
                                             ? std::vector<std::string>(directions.size(), "true")
                                             : OtherDirectionFails(directions);
  for (CheckResult& check : result.checks) check.provable = result.marked || (has_up && has_down);
  if (!walk.keyset() && walk.heaps.empty()) return result;  // a partitioned table with no partition
  TableVerifier verifier(conn, options, std::move(walk), std::move(conditions), std::move(skips),
                         std::move(other_fails));
  Status status = verifier.Run(result);
  if (!status.ok()) {
    return status.WithContext(fmt::format(
        "verify of {} (an expression of the migration failed on a row; fix the data or the "
        "migration)",
        pg::QualifiedName(group.schema, group.table)));
  }
  return result;
}

// The expression on one line: whitespace runs (a YAML block's newlines) become one space.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string FormatKey(const std::vector<std::string>& columns,
                      const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += (i < columns.size() ? columns[i] : "?") + "=" + values[i];
  }
  return out;
}

}  // namespace

std::string MismatchCondition(const triggers::TriggerSpec& spec, const std::string& target_type,
                              bool has_equality, const std::string& row_alias) {
  std::string bindings;
  for (const auto& [variable, column] : spec.variables) {
    if (!bindings.empty()) bindings += ", ";
    bindings +=
        fmt::format("{}.{} AS {}", row_alias, pg::QuoteIdent(column), pg::QuoteIdent(variable));
  }
  // The derived table's columns shadow the row's: the expression sees its
  // variables by name, as the trigger's DECLAREd variables, and by
  // zs_row.<name> (the trigger's block label), as a resolved expression
  // (engine/resolve.h) reads them; the alias hides the outer row's.
  std::string stored = fmt::format("{}.{}", row_alias, pg::QuoteIdent(spec.target_column));
  std::string expected = fmt::format("CAST((SELECT {} FROM (SELECT {}) AS zs_row) AS {})",
                                     spec.expression, bindings, target_type);
  if (!has_equality) {
    stored += "::text";
    expected += "::text";
  }
  return fmt::format("{} IS DISTINCT FROM {}", stored, expected);
}

long long VerifyReport::mismatches() const {
  long long total = 0;
  for (const auto& table : tables) {
    for (const auto& check : table.checks) total += check.mismatches;
  }
  return total;
}

long long VerifyReport::skipped() const {
  long long total = 0;
  for (const auto& table : tables) {
    for (const auto& check : table.checks) total += check.skipped;
  }
  return total;
}

long long VerifyReport::proven_mismatches() const {
  long long total = 0;
  for (const auto& table : tables) {
    for (const auto& check : table.checks) total += check.provable ? check.mismatches : 0;
  }
  return total;
}

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json out{{"migration", migration},     {"step", std::string(state::StepName(step))},
                     {"mismatches", mismatches()}, {"proven_mismatches", proven_mismatches()},
                     {"skipped", skipped()},       {"clean", mismatches() == 0}};
  nlohmann::json tables_json = nlohmann::json::array();
  for (const auto& table : tables) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& check : table.checks) {
      nlohmann::json entry{
          {"column", check.column},           {"direction", DirectionName(check.direction)},
          {"expression", check.expression},   {"mismatches", check.mismatches},
          {"not_inverse", check.not_inverse}, {"skipped", check.skipped},
          {"provable", check.provable},       {"keys", check.keys}};
      if (check.skipped > 0) entry["skip_reason"] = check.skip_reason;
      checks.push_back(std::move(entry));
    }
    tables_json.push_back(
        {{"schema", table.schema},
         {"table", table.table},
         {"trigger", table.trigger.empty() ? nlohmann::json() : nlohmann::json(table.trigger)},
         {"marked", table.marked},
         {"walk", table.walk},
         {"key_columns", table.key_columns},
         {"rows_checked", table.rows_checked},
         {"checks", checks}});
  }
  out["tables"] = tables_json;
  return out;
}

std::string VerifyReport::ToText() const {
  std::string out = fmt::format("verify \"{}\" (step {})\n", migration, state::StepName(step));
  if (step != state::Step::kActive) {
    out += "  note: the backfill has not finished, so rows it has not reached yet differ\n";
  }
  for (const auto& table : tables) {
    out += fmt::format("  {}.{} ({}): {} checked\n", table.schema, table.table, table.walk,
                       Plural(table.rows_checked, "row", "rows"));
    for (const auto& check : table.checks) {
      out += fmt::format(
          "    {:<4} {} = {}: {}\n", DirectionName(check.direction), check.column,
          OneLine(check.expression),
          check.mismatches == 0 ? "ok" : Plural(check.mismatches, "mismatch", "mismatches"));
      if (check.skipped > 0) {
        out += fmt::format("      {} skipped: {}\n", Plural(check.skipped, "row", "rows"),
                           check.skip_reason);
      }
      for (const auto& key : check.keys) out += "      " + FormatKey(table.key_columns, key) + "\n";
      if (check.mismatches > static_cast<long long>(check.keys.size())) {
        out += fmt::format("      ... and {} more\n",
                           check.mismatches - static_cast<long long>(check.keys.size()));
      }
      if (check.not_inverse > 0) {
        out += fmt::format(
            "      {} as a write through the {} version leaves them (`up` and `down` are not "
            "inverses for their values): not counted\n",
            Plural(check.not_inverse, "more row differs", "more rows differ"),
            check.direction == triggers::Direction::kUp ? "new" : "old");
      }
    }
  }
  long long total = mismatches();
  long long proven = proven_mismatches();
  if (total == 0) {
    out += "clean: every row is as a write through the triggers or the backfill leaves it\n";
  } else if (proven == total) {
    out += fmt::format(
        "{} that no write through the triggers leaves so (each fails the expression that ran "
        "for its row)\n",
        Plural(total, "mismatching value", "mismatching values"));
  } else {
    out += fmt::format(
        "{} ({} proven; the others are on tables with one direction only and no marker, where a "
        "write through the other version or a row the backfill has not reached looks the "
        "same)\n",
        Plural(total, "mismatching value", "mismatching values"), proven);
  }
  return out;
}

Result<std::vector<TableResult>> VerifyTriggers(pg::Connection& conn,
                                                const std::vector<triggers::TriggerSpec>& specs,
                                                const VerifyOptions& options) {
  std::vector<TableResult> results;
  for (const auto& group : GroupByTable(specs, options.check_down)) {
    ZS_ASSIGN_OR_RETURN(TableResult result, VerifyTable(conn, group, options));
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace zs::backfill
