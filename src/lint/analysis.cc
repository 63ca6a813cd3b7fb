#include "lint/analysis.h"

#include <algorithm>

#include <fmt/format.h>

#include "lint/tree.h"

namespace zs::lint {

ColumnDefFacts ReadColumnDef(JsonValue column_def) {
  ColumnDefFacts facts;
  facts.name = std::string(column_def["colname"].str());
  facts.type = TypeFromNode(column_def["typeName"]);
  for (JsonValue wrapped : column_def["constraints"]) {
    JsonValue c = wrapped.inner();
    std::string_view type = c["contype"].str();
    if (type == "CONSTR_DEFAULT") {
      facts.default_constraint = c;
      facts.default_expr = c["raw_expr"];
    } else if (type == "CONSTR_NOTNULL") {
      facts.not_null_constraint = c;
      facts.not_null = true;
    } else if (type == "CONSTR_CHECK") {
      if (!facts.check_constraint.exists()) facts.check_constraint = c;
    } else if (type == "CONSTR_FOREIGN") {
      facts.foreign_key = c;
    } else if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
      facts.unique_constraint = c;
      if (type == "CONSTR_PRIMARY") facts.not_null = true;
    } else if (type == "CONSTR_IDENTITY") {
      facts.identity = c;
    } else if (type == "CONSTR_GENERATED") {
      facts.generated = c;
    }
  }
  // A raw_default (CREATE TABLE ... LIKE, some deparsed forms) is a default too.
  if (!facts.default_expr.exists() && column_def["raw_default"].exists()) {
    facts.default_expr = column_def["raw_default"];
  }
  return facts;
}

std::optional<VolatileCall> FindVolatileCall(const Statement& stmt, JsonValue expr,
                                             const LintState& state, const Catalog& catalog) {
  std::optional<VolatileCall> found;
  auto consider = [&](JsonValue node) {
    if (found || node.type() != "FuncCall") return;
    JsonValue call = node.inner();
    std::string name(FuncName(call));
    std::string_view schema = FuncSchema(call);
    int nargs = static_cast<int>(call["args"].size());
    VolatileCall candidate{name, Volatility::kVolatile, "", false, stmt.OffsetOf(call)};
    auto own = state.schema->functions.find(name);
    if (own != state.schema->functions.end() && schema != "pg_catalog") {
      candidate.volatility = own->second;
      candidate.origin = "this migration";
    } else if (auto info = catalog.Function(name, nargs);
               info && (schema.empty() || schema == "pg_catalog" || info->origin != "pg_catalog")) {
      candidate.volatility = info->volatility;
      candidate.origin = std::string(info->origin);
    } else {
      candidate.unknown_function = true;
    }
    if (candidate.volatility == Volatility::kVolatile) found = candidate;
  };
  consider(expr);
  expr.ForEachDescendant(consider);
  return found;
}

std::optional<std::string> AddColumnRewriteReason(const Statement& stmt,
                                                  const ColumnDefFacts& column,
                                                  const LintState& state, const Catalog& catalog) {
  if (column.generated.exists())
    return std::string("a stored generated column is computed for every row");
  if (column.identity.exists())
    return std::string("an identity column draws a value for every row");
  if (column.type.serial) return std::string("a serial column draws nextval() for every row");
  if (column.default_expr.exists()) {
    if (auto call = FindVolatileCall(stmt, column.default_expr, state, catalog)) {
      return fmt::format("the default calls {}(), which is VOLATILE, for every row", call->name);
    }
  }
  return std::nullopt;
}

namespace {

// USING col, or USING col::new_type: no different from no USING at all.
bool IsPlainUsing(JsonValue using_expr, std::string_view column, const TypeRef& to) {
  if (!using_expr.exists()) return true;
  JsonValue expr = using_expr;
  if (expr.type() == "TypeCast") {
    if (!(TypeFromNode(expr.inner()["typeName"]) == to)) return false;
    expr = expr.inner()["arg"];
  }
  if (expr.type() != "ColumnRef") return false;
  std::vector<std::string_view> fields = StringList(expr.inner()["fields"]);
  return !fields.empty() && fields.back() == column;
}

}  // namespace

TypeChange AlterTypeVerdict(JsonValue cmd, const std::string& table, const LintState& state,
                            const Catalog& catalog) {
  std::string column(cmd["name"].str());
  JsonValue def = cmd["def"].inner();
  TypeRef to = TypeFromNode(def["typeName"]);
  const TypeRef* from = nullptr;
  auto t = state.schema->tables.find(table);
  if (t != state.schema->tables.end()) {
    auto c = t->second.find(column);
    if (c != t->second.end()) from = &c->second.type;
  }
  return DecideTypeChange(from, to, IsPlainUsing(def["raw_default"], column, to), catalog);
}

namespace {

// The column a bare ColumnRef names ("" for `t.col`, `*`, anything else).
std::string BareColumn(JsonValue node) {
  if (node.type() != "ColumnRef") return "";
  std::vector<std::string_view> fields = StringList(node.inner()["fields"]);
  return fields.size() == 1 ? std::string(fields[0]) : "";
}

// Built-in comparison operators are strict: a row where either side is NULL
// fails the check, so the check proves the column is not NULL, as the
// server's predicate test (predtest.c) finds too.
bool IsStrictComparison(JsonValue a_expr) {
  if (a_expr["kind"].str() != "AEXPR_OP") return false;
  std::vector<std::string_view> name = StringList(a_expr["name"]);
  if (name.size() != 1) return false;
  static constexpr std::string_view kStrict[] = {"=", "<>", "!=", "<", ">", "<=", ">="};
  return std::find(std::begin(kStrict), std::end(kStrict), name[0]) != std::end(kStrict);
}

}  // namespace

std::vector<std::string> NotNullCheckColumns(JsonValue expr) {
  std::vector<std::string> out;
  // An explicit stack: a hostile CHECK nests ANDs deeper than recursion could follow.
  std::vector<JsonValue> pending = {expr};
  while (!pending.empty()) {
    JsonValue node = pending.back();
    pending.pop_back();
    std::string_view type = node.type();
    JsonValue body = node.inner();
    std::string column;
    if (type == "NullTest" && body["nulltesttype"].str() == "IS_NOT_NULL") {
      column = BareColumn(body["arg"]);
    } else if (type == "BoolExpr" && body["boolop"].str() == "AND_EXPR") {
      for (JsonValue arg : body["args"]) pending.push_back(arg);
    } else if (type == "A_Expr" && IsStrictComparison(body)) {
      for (std::string side : {BareColumn(body["lexpr"]), BareColumn(body["rexpr"])}) {
        if (!side.empty()) out.push_back(side);
      }
    }
    if (!column.empty()) out.push_back(column);
  }
  return out;
}

std::optional<int64_t> ParseDurationMs(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0 || digits > 18) return std::nullopt;
  double value = 0;
  try {
    value = std::stod(std::string(text.substr(0, digits)));
  } catch (...) {
    return std::nullopt;
  }
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  double factor = 0;
  if (unit.empty() || unit == "ms") {
    factor = 1;
  } else if (unit == "us") {
    factor = 0.001;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "min") {
    factor = 60000;
  } else if (unit == "h") {
    factor = 3600000;
  } else if (unit == "d") {
    factor = 86400000;
  } else {
    return std::nullopt;
  }
  double ms = value * factor;
  if (ms > 1e15) return std::nullopt;
  return static_cast<int64_t>(ms);
}

namespace {

std::optional<int64_t> ConstDurationMs(JsonValue node) {
  if (auto i = IntConst(node)) return *i;
  if (auto s = StringConst(node)) return ParseDurationMs(*s);
  if (node.type() == "A_Const" && node.inner()["fval"].exists()) {
    return ParseDurationMs(node.inner()["fval"]["fval"].str());
  }
  return std::nullopt;
}

bool IsTimeoutName(std::string_view name) {
  return name == "lock_timeout" || name == "statement_timeout";
}

}  // namespace

std::vector<TimeoutChange> TimeoutChanges(const Statement& stmt) {
  std::vector<TimeoutChange> changes;
  if (stmt.type == "VariableSetStmt") {
    std::string_view kind = stmt.body["kind"].str();
    std::string name(stmt.body["name"].str());
    TimeoutChange change;
    change.offset = stmt.begin;
    change.local = stmt.body["is_local"].is_true();
    if (kind == "VAR_RESET_ALL") {
      change.name = "*";
      change.reset = true;
    } else if (!IsTimeoutName(name)) {
      return changes;
    } else if (kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT") {
      change.name = name;
      change.reset = true;
    } else if (kind == "VAR_SET_VALUE") {
      change.name = name;
      JsonValue args = stmt.body["args"];
      if (args.size() == 1) change.ms = ConstDurationMs(*args.begin());
    } else {
      return changes;
    }
    changes.push_back(change);
    return changes;
  }
  if (stmt.type != "SelectStmt") return changes;
  stmt.body.ForEachDescendant([&](JsonValue value) {
    if (value.type() != "FuncCall" || FuncName(value.inner()) != "set_config") return;
    JsonValue args = value.inner()["args"];
    if (args.size() != 3) return;
    auto it = args.begin();
    std::optional<std::string_view> name = StringConst(*it);
    if (!name || !IsTimeoutName(*name)) return;
    TimeoutChange change;
    change.name = std::string(*name);
    change.offset = stmt.OffsetOf(value.inner());
    ++it;
    change.ms = ConstDurationMs(*it);
    ++it;
    JsonValue local = (*it).inner()["boolval"];
    change.local = local.exists() && local["boolval"].is_true();
    changes.push_back(change);
  });
  return changes;
}

std::string Snippet(std::string_view text, size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ';') break;
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() > max_chars) {
      // Cut at the last word boundary, never inside a UTF-8 sequence.
      size_t cut = out.rfind(' ', max_chars);
      if (cut == std::string::npos || cut < max_chars / 2) {
        cut = max_chars;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
      }
      return out.substr(0, cut) + " ...";
    }
  }
  return out;
}

}  // namespace zs::lint
