#include "engine/round_trip.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "backend/postgres_backend.h"
#include "pg/quote.h"

namespace zs::engine {

namespace {

using triggers::Direction;
using triggers::TriggerSpec;

// The type of physical column `column` of `table`, latest snapshot first
// (an `up` target exists only in the new shape, a `down` one in the old).
std::optional<std::string> ColumnType(const std::vector<schema::Schema>& snapshots,
                                      const std::string& table, const std::string& column) {
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    const schema::Table* t = it->FindPhysicalTable(table);
    const schema::Column* c = t == nullptr ? nullptr : t->FindPhysicalColumn(column);
    if (c != nullptr) return c->type;
  }
  return std::nullopt;
}

std::string UpAlias(size_t i) { return fmt::format("zs_up_{}", i); }

// `spec`'s expression on the row aliased `row`, its variables bound to the
// row's columns or, for a column an `up` fills, to that `up`'s result
// (`filled`: physical column -> alias), as the trigger's DECLAREd variables
// and as zs_row.<name> (how a resolved expression reads them).
std::string Evaluate(const TriggerSpec& spec, const std::string& type, const std::string& row,
                     const std::map<std::string, std::string>& filled) {
  std::string bindings;
  for (const auto& [variable, column] : spec.variables) {
    auto up = filled.find(column);
    std::string source = up != filled.end() ? up->second : pg::QuoteIdent(column);
    bindings += fmt::format("{}{}.{} AS {}", bindings.empty() ? "" : ", ", row, source,
                            pg::QuoteIdent(variable));
  }
  std::string from = bindings.empty() ? "" : fmt::format(" FROM (SELECT {}) AS zs_row", bindings);
  return fmt::format("CAST((SELECT {}{}) AS {})", spec.expression, from, type);
}

// The checks of one table: its `up` specs in trigger order (each sees what
// the earlier ones filled) and the `down` specs that read what they fill.
struct TablePairs {
  std::string schema;
  std::string table;
  std::vector<const TriggerSpec*> ups;
  std::vector<const TriggerSpec*> downs;
};

std::vector<TablePairs> GroupPairs(const std::vector<TriggerSpec>& specs) {
  std::vector<TablePairs> out;
  for (const auto& spec : specs) {
    auto same = std::find_if(out.begin(), out.end(), [&](const TablePairs& p) {
      return p.schema == spec.schema && p.table == spec.table;
    });
    if (same == out.end()) {
      out.push_back({spec.schema, spec.table, {}, {}});
      same = out.end() - 1;
    }
    (spec.direction == Direction::kUp ? same->ups : same->downs).push_back(&spec);
  }
  return out;
}

std::string Truncate(const std::string& value, int chars) {
  if (static_cast<int>(value.size()) <= chars) return value;
  size_t cut = static_cast<size_t>(chars);
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return value.substr(0, cut) + "...";
}

// A value as a message shows it: cut, control characters escaped (a value
// must not move the terminal's cursor or break a plan's comment line).
std::string Escaped(const std::string& text, int chars) {
  std::string out;
  for (char ch : Truncate(text, chars)) {
    unsigned char c = static_cast<unsigned char>(ch);
    out += c < 0x20 || c == 0x7F ? fmt::format("\\x{:02x}", c) : std::string(1, ch);
  }
  return out;
}

std::string Shown(const std::optional<std::string>& value, int chars) {
  return value ? "'" + Escaped(*value, chars) + "'" : "NULL";
}

class TableRoundTrip {
 public:
  TableRoundTrip(pg::Connection& conn, const TablePairs& pairs,
                 const std::vector<schema::Schema>& snapshots, const RoundTripOptions& options)
      : conn_(conn), pairs_(pairs), snapshots_(snapshots), options_(options) {}

  // Appends a warning per lossy `down` to `out`.
  Status Check(std::vector<std::string>& out) {
    const schema::Table* live = snapshots_.front().FindPhysicalTable(pairs_.table);
    if (live == nullptr) return Status::Ok();  // created by this migration: no rows yet
    ZS_ASSIGN_OR_RETURN(std::string ups, UpCtes(*live));
    for (const TriggerSpec* down : pairs_.downs) {
      std::optional<std::string> sql = DownQuery(*live, *down, ups);
      if (!sql) continue;
      Status checked = CheckDown(*live, *down, *sql, out);
      if (!checked.ok()) {
        out.push_back(fmt::format(
            "{}.{}: the round trip of `up` and `down` could not be checked on sample rows: {}",
            pairs_.table, down->target_column, checked.message()));
      }
    }
    return Status::Ok();
  }

 private:
  std::string Relation() const { return pg::QualifiedName(pairs_.schema, pairs_.table); }

  // sample, then one CTE per `up`, each adding its result as zs_up_<i>.
  Result<std::string> UpCtes(const schema::Table& live) {
    std::string sql =
        fmt::format("sample AS (SELECT * FROM {} LIMIT {})", Relation(), options_.sample_rows);
    std::string previous = "sample";
    for (size_t i = 0; i < pairs_.ups.size(); ++i) {
      const TriggerSpec& up = *pairs_.ups[i];
      std::optional<std::string> type = ColumnType(snapshots_, up.table, up.target_column);
      if (!type || !Readable(live, up)) break;  // later ones may read it: stop here
      std::string name = fmt::format("up_{}", i);
      sql += fmt::format(",\n{} AS (SELECT r.*, {} AS {} FROM {} r)", name,
                         Evaluate(up, *type, "r", filled_), UpAlias(i), previous);
      filled_[up.target_column] = UpAlias(i);
      previous = name;
    }
    last_cte_ = previous;
    return sql;
  }

  // Every column `spec` reads is filled by an `up` already or exists now.
  bool Readable(const schema::Table& live, const TriggerSpec& spec) const {
    return std::all_of(spec.variables.begin(), spec.variables.end(), [&](const auto& v) {
      return filled_.count(v.second) > 0 || live.FindPhysicalColumn(v.second) != nullptr;
    });
  }

  std::optional<std::string> DownQuery(const schema::Table& live, const TriggerSpec& down,
                                       const std::string& ups) const {
    bool reads_up = std::any_of(down.variables.begin(), down.variables.end(),
                                [&](const auto& v) { return filled_.count(v.second) > 0; });
    const schema::Column* target = live.FindPhysicalColumn(down.target_column);
    if (!reads_up || target == nullptr || !Readable(live, down)) return std::nullopt;
    std::string key;
    for (const auto& column : live.primary_key) {
      key += fmt::format("{}{} || coalesce(r.{}::text, 'NULL')", key.empty() ? "" : " || ', ' || ",
                         pg::QuoteLiteral(column + "="), pg::QuoteIdent(column));
    }
    if (key.empty()) key = "'ctid ' || r.ctid::text";
    // ctid is not in SELECT *: carried from the sample for tables without a key.
    std::string ups_with_ctid = ups;
    if (live.primary_key.empty()) {
      size_t star = ups_with_ctid.find("SELECT *");
      ups_with_ctid.replace(star, 8, "SELECT ctid, *");
    }
    std::string after = Evaluate(down, target->type, "r", filled_);
    std::string before = fmt::format("r.{}", pg::QuoteIdent(down.target_column));
    return fmt::format(
        "WITH {},\nlossy AS (SELECT {} AS zs_key, {}::text AS zs_before, {}::text AS zs_after "
        "FROM {} r WHERE {}::text IS DISTINCT FROM {}::text)\n"
        "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM lossy), l.zs_key, l.zs_before, "
        "l.zs_after FROM (SELECT 1) one LEFT JOIN (SELECT * FROM lossy LIMIT {}) l ON true",
        ups_with_ctid, key, before, after, last_cte_, before, after, last_cte_, options_.examples);
  }

  Status CheckDown(const schema::Table& live, const TriggerSpec& down, const std::string& sql,
                   std::vector<std::string>& out) {
    ZS_RETURN_IF_ERROR(conn_.Run("SAVEPOINT zs_round_trip"));
    Result<pg::Rows> rows = conn_.Exec(sql);
    ZS_RETURN_IF_ERROR(conn_.Run(
        rows.ok() ? "RELEASE SAVEPOINT zs_round_trip"
                  : "ROLLBACK TO SAVEPOINT zs_round_trip; RELEASE SAVEPOINT zs_round_trip"));
    if (!rows.ok()) return rows.status();
    long long sampled = rows->GetInt(0, 0);
    long long lossy = rows->GetInt(0, 1);
    if (lossy == 0) return Status::Ok();
    std::string examples;
    for (int i = 0; i < rows->size(); ++i) {
      if (rows->IsNull(i, 2)) continue;
      examples += fmt::format("{}{}: {} comes back as {}", examples.empty() ? "" : "; ",
                              Escaped(rows->Get(i, 2), 2 * options_.value_chars),
                              Shown(rows->GetOptional(i, 3), options_.value_chars),
                              Shown(rows->GetOptional(i, 4), options_.value_chars));
    }
    // Named by column, not by expression: the resolved text (zs_row.first_name
    // || ' '::text ...) is not what the user wrote.
    out.push_back(fmt::format(
        "{}.{}: its `down` does not give back what the `up` expressions took from {} of {} "
        "sampled rows, so a write through the new version would change them for the old "
        "version's clients; make `up` keep everything `down` needs (or accept the loss): {}",
        live.name, down.target_column, lossy, sampled, examples));
    return Status::Ok();
  }

  pg::Connection& conn_;
  const TablePairs& pairs_;
  const std::vector<schema::Schema>& snapshots_;
  const RoundTripOptions& options_;
  std::map<std::string, std::string> filled_;  // physical column -> alias of the `up` filling it
  std::string last_cte_;
};

}  // namespace

Result<std::vector<std::string>> CheckRoundTrips(backend::Session& session,
                                                 const std::vector<TriggerSpec>& specs,
                                                 const std::vector<schema::Schema>& snapshots,
                                                 const RoundTripOptions& options) {
  if (session.backend().kind() != backend::Kind::kPostgres) {
    return Conflict(fmt::format("the round-trip check of up/down is not implemented on {} yet",
                                session.backend().Name()));
  }
  pg::Connection& conn = backend::PostgresConnection(session);
  std::vector<std::string> warnings;
  if (snapshots.empty()) return warnings;
  std::vector<TablePairs> tables = GroupPairs(specs);
  bool any = std::any_of(tables.begin(), tables.end(),
                         [](const TablePairs& t) { return !t.ups.empty() && !t.downs.empty(); });
  if (!any) return warnings;
  // READ ONLY: an expression that writes (nextval) fails instead; the
  // timeout keeps a slow expression from holding validate up.
  ZS_RETURN_IF_ERROR(conn.Run("BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = '5s'"));
  Status status;
  for (const auto& table : tables) {
    if (table.ups.empty() || table.downs.empty()) continue;
    status = TableRoundTrip(conn, table, snapshots, options).Check(warnings);
    if (!status.ok()) break;
  }
  Status end = conn.Run("ROLLBACK");
  ZS_RETURN_IF_ERROR(status);
  ZS_RETURN_IF_ERROR(end);
  return warnings;
}

}  // namespace zs::engine
