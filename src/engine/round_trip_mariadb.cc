// MariaDB's round-trip check (round_trip_mariadb.h).
#include "engine/round_trip_mariadb.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "engine/engine_verify_mariadb.h"
#include "engine/round_trip_shared.h"

namespace zs::engine {

namespace {

using triggers::Direction;
using triggers::TriggerSpec;

std::string MariadbTripQ(const std::string& name) { return mysql::QuoteIdentifier(name); }
std::string MariadbTripColumn(size_t i) { return fmt::format("_zs_rt_c{}", i); }
std::string MariadbTripUp(size_t i) { return fmt::format("_zs_rt_up{}", i); }

// Builds the nested derived tables: level 0 is the sample with each physical
// column under a positional alias; each `up` adds its result, evaluated over
// a derived table binding its variables by name (to a column, or to what an
// earlier `up` filled), as the trigger's DECLAREd locals are. MariaDB has no
// LATERAL and no correlated derived table, hence one level per expression.
class MariadbRoundTrip {
 public:
  MariadbRoundTrip(mysql::Connection& conn, const RoundTripPairs& pairs, const schema::Table& live,
                   const RoundTripOptions& options)
      : conn_(conn), pairs_(pairs), live_(live), options_(options) {}

  Status Check(std::vector<std::string>& out) {
    Sample();
    for (const TriggerSpec* up : pairs_.ups) {
      if (!Readable(*up)) break;  // later ones may read it: stop here
      AddUp(*up);
    }
    for (const TriggerSpec* down : pairs_.downs) {
      Status checked = CheckDown(*down, out);
      if (!checked.ok()) {
        out.push_back(fmt::format(
            "{}.{}: the round trip of `up` and `down` could not be checked on sample rows: {}",
            pairs_.table, down->target_column, checked.message()));
      }
    }
    return Status::Ok();
  }

 private:
  void Sample() {
    std::string list;
    for (size_t i = 0; i < live_.columns.size(); ++i) {
      const std::string& column = live_.columns[i].physical_name;
      list +=
          fmt::format("{}{} AS {}", i == 0 ? "" : ", ", MariadbTripQ(column), MariadbTripColumn(i));
      alias_[column] = MariadbTripColumn(i);
      carried_.push_back(MariadbTripColumn(i));
    }
    level_ = fmt::format("SELECT {} FROM {}.{} LIMIT {}", list, MariadbTripQ(pairs_.schema),
                         MariadbTripQ(pairs_.table), options_.sample_rows);
  }

  bool Readable(const TriggerSpec& spec) const {
    return std::all_of(spec.variables.begin(), spec.variables.end(),
                       [&](const auto& v) { return alias_.count(v.second) > 0; });
  }
  bool ReadsAnUp(const TriggerSpec& spec) const {
    return std::any_of(spec.variables.begin(), spec.variables.end(), [&](const auto& v) {
      auto it = alias_.find(v.second);
      return it != alias_.end() && it->second.starts_with("_zs_rt_up");
    });
  }

  // `SELECT <carried>, <extra> FROM (SELECT P.*, <bindings> FROM (<level>) P) zs_row`.
  std::string Over(const TriggerSpec& spec, const std::string& extra) const {
    std::string bindings;
    for (const auto& [variable, column] : spec.variables) {
      bindings += fmt::format(", P.{} AS {}", alias_.at(column), MariadbTripQ(variable));
    }
    std::string carried;
    for (const auto& alias : carried_) carried += "zs_row." + alias + ", ";
    return fmt::format("SELECT {}{} FROM (SELECT P.*{} FROM ({}) AS P) AS zs_row", carried, extra,
                       bindings, level_);
  }

  void AddUp(const TriggerSpec& up) {
    std::string alias = MariadbTripUp(ups_++);
    level_ = Over(up, fmt::format("({}) AS {}", up.expression, alias));
    alias_[up.target_column] = alias;
    carried_.push_back(alias);
  }

  Status CheckDown(const TriggerSpec& down, std::vector<std::string>& out) {
    auto before = alias_.find(down.target_column);
    if (!ReadsAnUp(down) || !Readable(down) || before == alias_.end() ||
        before->second.starts_with("_zs_rt_up")) {
      return Status::Ok();
    }
    ZS_ASSIGN_OR_RETURN(
        auto type, MariadbColumnTypeOf(conn_, pairs_.schema, pairs_.table, down.target_column));
    if (!type) return Status::Ok();
    std::string key = "''";
    if (!live_.primary_key.empty()) {
      key = "CONCAT_WS(', '";
      for (const auto& column : live_.primary_key) {
        auto alias = alias_.find(column);
        if (alias == alias_.end()) continue;
        key += fmt::format(", CONCAT({}, COALESCE(zs_row.{}, 'NULL'))",
                           mysql::QuoteLiteral(column + "="), alias->second);
      }
      key += ")";
    }
    std::string stored = "zs_row." + before->second;
    std::string after = "(" + down.expression + ")";
    std::string rows =
        Over(down, fmt::format("{} AS zs_key, {} AS zs_before, {} AS zs_after, {} "
                               "AS zs_lossy",
                               key, stored, after, MariadbVerifyDiffers(stored, after, *type)));
    // The timeout keeps a slow expression from holding validate up.
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows counts,
        conn_.Exec(fmt::format("SET STATEMENT max_statement_time = 5 FOR SELECT COUNT(*), "
                               "COALESCE(SUM(t.zs_lossy), 0) FROM ({}) AS t",
                               rows)));
    long long sampled = counts.GetInt(0, 0);
    long long lossy = counts.GetInt(0, 1);
    if (lossy == 0) return Status::Ok();
    ZS_ASSIGN_OR_RETURN(
        mysql::Rows shown,
        conn_.Exec(fmt::format("SET STATEMENT max_statement_time = 5 FOR SELECT t.zs_key, "
                               "CAST(t.zs_before AS CHAR), CAST(t.zs_after AS CHAR) FROM ({}) AS "
                               "t WHERE t.zs_lossy LIMIT {}",
                               rows, options_.examples)));
    std::string examples;
    for (int i = 0; i < shown.size(); ++i) {
      examples += fmt::format("{}{}: {} comes back as {}", examples.empty() ? "" : "; ",
                              RoundTripEscaped(shown.Get(i, 0), 2 * options_.value_chars),
                              RoundTripShown(shown.GetOptional(i, 1), options_.value_chars),
                              RoundTripShown(shown.GetOptional(i, 2), options_.value_chars));
    }
    out.push_back(RoundTripWarning(live_.name, down.target_column, lossy, sampled, examples));
    return Status::Ok();
  }

  mysql::Connection& conn_;
  const RoundTripPairs& pairs_;
  const schema::Table& live_;
  const RoundTripOptions& options_;
  std::map<std::string, std::string> alias_;  // physical column (or `up` target) -> its alias
  std::vector<std::string> carried_;          // every alias, in order
  std::string level_;
  size_t ups_ = 0;
};

}  // namespace

Result<std::vector<std::string>> MariadbCheckRoundTrips(
    mysql::Connection& conn, const std::vector<TriggerSpec>& specs,
    const std::vector<schema::Schema>& snapshots, const RoundTripOptions& options) {
  std::vector<std::string> warnings;
  if (snapshots.empty()) return warnings;
  std::vector<RoundTripPairs> tables = GroupRoundTripPairs(specs);
  bool any = std::any_of(tables.begin(), tables.end(), [](const RoundTripPairs& t) {
    return !t.ups.empty() && !t.downs.empty();
  });
  if (!any) return warnings;
  // READ ONLY: an expression that writes (a stored function) fails instead.
  ZS_RETURN_IF_ERROR(conn.Run("START TRANSACTION READ ONLY"));
  Status status;
  for (const auto& table : tables) {
    if (table.ups.empty() || table.downs.empty()) continue;
    const schema::Table* live = snapshots.front().FindPhysicalTable(table.table);
    if (live == nullptr) continue;  // created by this migration: no rows yet
    status = MariadbRoundTrip(conn, table, *live, options).Check(warnings);
    if (!status.ok()) break;
  }
  Status end = conn.Run("ROLLBACK");
  ZS_RETURN_IF_ERROR(status);
  ZS_RETURN_IF_ERROR(end);
  return warnings;
}

}  // namespace zs::engine
