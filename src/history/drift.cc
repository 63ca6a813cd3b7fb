#include "history/drift.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

namespace zs::history {

namespace {

// Collects the differences of one table, in a fixed order.
class TableDiff {
 public:
  TableDiff(std::string table, std::vector<Difference>& out)
      : table_(std::move(table)), out_(out) {}

  void Changed(const std::string& kind, const std::string& name, const std::string& field,
               const std::string& expected, const std::string& actual) {
    if (expected == actual) return;
    out_.push_back({kind, table_, name, "changed", field, expected, actual});
  }
  void Missing(const std::string& kind, const std::string& name, const std::string& what) {
    out_.push_back({kind, table_, name, "missing", "", what, ""});
  }
  void Added(const std::string& kind, const std::string& name, const std::string& what) {
    out_.push_back({kind, table_, name, "added", "", "", what});
  }

 private:
  std::string table_;
  std::vector<Difference>& out_;
};

std::string OrNone(const std::optional<std::string>& value) { return value ? *value : "(none)"; }

std::string Identity(const std::string& code) {
  if (code == "a") return "ALWAYS";
  if (code == "d") return "BY DEFAULT";
  return "(none)";
}

std::string Describe(const schema::Column& c) {
  std::string out = c.type + (c.nullable ? "" : " NOT NULL");
  if (c.generated && c.default_expr) out += " GENERATED ALWAYS AS (" + *c.default_expr + ")";
  if (!c.generated && c.default_expr) out += " DEFAULT " + *c.default_expr;
  if (!c.identity.empty()) out += " GENERATED " + Identity(c.identity) + " AS IDENTITY";
  return out;
}

std::string Describe(const schema::Table& t) {
  return fmt::format("{} column{}", t.columns.size(), t.columns.size() == 1 ? "" : "s");
}

// Matches `expected` and `live` items by key; calls `both` for pairs and
// reports the others as missing or added, expected's order first.
template <typename T, typename Key, typename Both, typename What>
void Match(TableDiff& diff, const char* kind, const std::vector<T>& expected,
           const std::vector<T>& live, Key key, Both both, What what) {
  std::map<std::string, const T*> live_by_key;
  for (const T& item : live) live_by_key.emplace(key(item), &item);
  std::map<std::string, bool> seen;
  for (const T& item : expected) {
    auto it = live_by_key.find(key(item));
    seen[key(item)] = true;
    if (it == live_by_key.end()) {
      diff.Missing(kind, key(item), what(item));
    } else {
      both(item, *it->second);
    }
  }
  for (const T& item : live) {
    if (!seen.count(key(item))) diff.Added(kind, key(item), what(item));
  }
}

void DiffColumns(TableDiff& diff, const schema::Table& expected, const schema::Table& live) {
  auto compare = [&](const schema::Column& e, const schema::Column& l) {
    diff.Changed("column", e.name, "type", e.type, l.type);
    diff.Changed("column", e.name, "nullable", e.nullable ? "NULL" : "NOT NULL",
                 l.nullable ? "NULL" : "NOT NULL");
    diff.Changed("column", e.name, e.generated || l.generated ? "generated" : "default",
                 e.generated ? "AS (" + OrNone(e.default_expr) + ")" : OrNone(e.default_expr),
                 l.generated ? "AS (" + OrNone(l.default_expr) + ")" : OrNone(l.default_expr));
    diff.Changed("column", e.name, "identity", Identity(e.identity), Identity(l.identity));
    diff.Changed("column", e.name, "comment", OrNone(e.comment), OrNone(l.comment));
  };
  Match(
      diff, "column", expected.columns, live.columns,
      [](const schema::Column& c) { return c.name; }, compare,
      [](const schema::Column& c) { return Describe(c); });
}

void DiffConstraints(TableDiff& diff, const schema::Table& expected, const schema::Table& live) {
  auto compare = [&](const schema::Constraint& e, const schema::Constraint& l) {
    diff.Changed("constraint", e.name, "type", std::string(1, e.type), std::string(1, l.type));
    diff.Changed("constraint", e.name, "definition", e.definition, l.definition);
    diff.Changed("constraint", e.name, "validated", e.validated ? "valid" : "NOT VALID",
                 l.validated ? "valid" : "NOT VALID");
  };
  Match(
      diff, "constraint", expected.constraints, live.constraints,
      [](const schema::Constraint& c) { return c.name; }, compare,
      [](const schema::Constraint& c) { return c.definition; });
}

void DiffIndexes(TableDiff& diff, const schema::Table& expected, const schema::Table& live) {
  auto compare = [&](const schema::Index& e, const schema::Index& l) {
    diff.Changed("index", e.name, "definition", e.definition, l.definition);
    diff.Changed("index", e.name, "valid", e.valid ? "valid" : "INVALID",
                 l.valid ? "valid" : "INVALID");
  };
  Match(
      diff, "index", expected.indexes, live.indexes, [](const schema::Index& i) { return i.name; },
      compare, [](const schema::Index& i) { return i.definition; });
}

void DiffTable(TableDiff& diff, const schema::Table& expected, const schema::Table& live) {
  diff.Changed("table", "", "comment", OrNone(expected.comment), OrNone(live.comment));
  diff.Changed("table", "", "partitioned", expected.partitioned ? "yes" : "no",
               live.partitioned ? "yes" : "no");
  DiffColumns(diff, expected, live);
  DiffConstraints(diff, expected, live);
  DiffIndexes(diff, expected, live);
}

}  // namespace

// Objects are matched by their name in the recorded schema: after a complete
// (and in every catalog read) it is the physical name.
std::vector<Difference> Diff(const schema::Schema& expected, const schema::Schema& live) {
  std::vector<Difference> out;
  std::map<std::string, const schema::Table*> live_tables;
  for (const auto& table : live.tables) live_tables.emplace(table.name, &table);
  for (const auto& table : expected.tables) {
    TableDiff diff(table.name, out);
    auto it = live_tables.find(table.name);
    if (it == live_tables.end()) {
      diff.Missing("table", "", Describe(table));
      continue;
    }
    DiffTable(diff, table, *it->second);
    live_tables.erase(it);
  }
  for (const auto& table : live.tables) {
    if (!live_tables.count(table.name)) continue;
    TableDiff(table.name, out).Added("table", "", Describe(table));
  }
  return out;
}

std::string ToString(const Difference& d) {
  std::string object =
      d.kind == "table" ? "table " + d.table : fmt::format("{} {}.{}", d.kind, d.table, d.name);
  if (d.change == "missing") {
    return fmt::format("{}: missing from the live schema (recorded: {})", object, d.expected);
  }
  if (d.change == "added") {
    return fmt::format("{}: added outside the migrations (live: {})", object, d.actual);
  }
  return fmt::format("{}: {} changed: recorded {}, live {}", object, d.field, d.expected, d.actual);
}

nlohmann::json ToJson(const Difference& d) {
  nlohmann::json out{{"kind", d.kind}, {"table", d.table}, {"change", d.change}};
  if (!d.name.empty()) out["name"] = d.name;
  if (!d.field.empty()) out["field"] = d.field;
  if (d.change != "added") out["recorded"] = d.expected;
  if (d.change != "missing") out["live"] = d.actual;
  return out;
}

Result<Reference> ReferenceSchema(const std::vector<state::MigrationRecord>& records) {
  if (records.empty()) {
    return NotFound(
        "the history of this schema is empty, so there is nothing to compare with; apply a "
        "migration or record the current schema with `zeroshift baseline`");
  }
  const state::MigrationRecord& latest = records.back();
  if (latest.live_schema) {
    std::string source = latest.baseline ? "recorded by the baseline"
                         : latest.done   ? "recorded after its complete"
                                         : "recorded after its start (it is still active)";
    return Reference{*latest.live_schema, latest.name, std::move(source)};
  }
  if (!latest.done) {
    return NotFound(fmt::format(
        "migration \"{}\" has no recorded schema yet (it is at step {}); finish its start, "
        "`zeroshift complete` or `zeroshift rollback` it, and run drift again",
        latest.name, state::StepName(latest.step)));
  }
  if (!latest.resulting_schema) {
    return NotFound(fmt::format("migration \"{}\" has no recorded schema", latest.name));
  }
  return Reference{*latest.resulting_schema, latest.name,
                   "its resulting virtual schema, recorded by an older zeroshift "
                   "(`zeroshift baseline` records the live one)"};
}

}  // namespace zs::history
