#include "lint/types.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "lint/tree.h"

namespace zs::lint {
namespace {

// Names written as identifiers that are not pg_type names.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kSerials = {{
    {"serial", "int4"},
    {"serial4", "int4"},
    {"bigserial", "int8"},
    {"serial8", "int8"},
    {"smallserial", "int2"},
    {"serial2", "int2"},
    {"int", "int4"},
    {"integer", "int4"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kDisplayNames = {{
    {"int2", "smallint"},
    {"int4", "integer"},
    {"int8", "bigint"},
    {"float4", "real"},
    {"float8", "double precision"},
    {"bool", "boolean"},
    {"bpchar", "char"},
    {"timestamp", "timestamp"},
    {"varbit", "bit varying"},
    {"numeric", "numeric"},
}};

// Types whose typmod coercion has a support function that turns a widening
// into a no-op (varchar_support, varbit_support, numeric_support,
// timestamp_support, time_support, interval_support).
bool HasWideningSupport(std::string_view name) {
  return name == "varchar" || name == "varbit" || name == "numeric" || name == "timestamp" ||
         name == "timestamptz" || name == "time" || name == "timetz" || name == "interval";
}

// numeric(p) means numeric(p, 0).
std::pair<int64_t, int64_t> NumericPrecisionScale(const std::vector<int64_t>& mods) {
  return {mods.empty() ? -1 : mods[0], mods.size() > 1 ? mods[1] : 0};
}

// Whether a typmod change of the same base type is free. REQUIRES: both have mods.
bool WideningIsFree(const std::string& name, const std::vector<int64_t>& from,
                    const std::vector<int64_t>& to) {
  if (from == to) return true;
  if (!HasWideningSupport(name)) return false;
  if (name == "numeric") {
    auto [from_p, from_s] = NumericPrecisionScale(from);
    auto [to_p, to_s] = NumericPrecisionScale(to);
    return to_s == from_s && to_p >= from_p;
  }
  if (from.size() != 1 || to.size() != 1) return false;
  return to[0] >= from[0];
}

bool IsTimestampPair(const std::string& a, const std::string& b) {
  return (a == "timestamp" && b == "timestamptz") || (a == "timestamptz" && b == "timestamp");
}

std::string JoinDisplay(const std::vector<std::string_view>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    TypeRef t;
    t.name = std::string(names[i]);
    out += t.Display();
  }
  return out;
}

TypeChange Yes(std::string reason) { return {Rewrite::kYes, std::move(reason)}; }
TypeChange No(std::string reason) { return {Rewrite::kNo, std::move(reason)}; }
TypeChange Maybe(std::string reason) { return {Rewrite::kMaybe, std::move(reason)}; }

TypeChange DecideKnown(const TypeRef& from, const TypeRef& to, const Catalog& catalog) {
  std::string change = fmt::format("from {} to {}", from.Display(), to.Display());
  if (from.array != to.array) return Yes(change + " converts every value");
  if (from.name == to.name && from.schema == to.schema) {
    if (to.mods.empty()) return No(change + " only removes a limit");
    if (from.mods.empty()) return Yes(change + " adds a limit that every row is checked against");
    if (WideningIsFree(to.name, from.mods, to.mods)) return No(change + " only widens the type");
    return Yes(change + " narrows the type or changes its scale, so every value is converted");
  }
  if (from.array) return Yes(change + " converts every element");
  if (IsTimestampPair(from.name, to.name)) {
    return Maybe(change +
                 " is free only when the session's TimeZone is UTC (PostgreSQL 12+); "
                 "otherwise every value is converted");
  }
  if (catalog.BinaryCoercible(from.name, to.name)) {
    if (to.mods.empty()) return No(change + " is binary coercible");
    return Yes(change + " applies the length limit to every row");
  }
  return Yes(change + " is not binary coercible, so every value is converted");
}

TypeChange DecideUnknown(const TypeRef& to, const Catalog& catalog) {
  std::string target = to.Display();
  if (to.array) {
    return Maybe(
        fmt::format("to {} is free only if the column already is that exact type", target));
  }
  if (!to.mods.empty() && HasWideningSupport(to.name)) {
    TypeRef base = to;
    base.mods.clear();
    return Maybe(fmt::format(
        "to {} is free only if the column already is {} with a smaller limit (or the same); "
        "from any other type every value is converted",
        target, base.Display()));
  }
  std::vector<std::string_view> sources;
  if (to.mods.empty()) sources = catalog.BinarySources(to.name);
  // Catalog types (oid, regclass...) are not what user columns hold.
  std::erase_if(sources, [](std::string_view s) { return s.starts_with("reg") || s == "oid"; });
  if (to.name == "timestamptz") sources.push_back("timestamp");
  if (to.name == "timestamp") sources.push_back("timestamptz");
  if (!sources.empty() || (to.mods.empty() && HasWideningSupport(to.name))) {
    std::string from = sources.empty() ? "" : JoinDisplay(sources) + ", or ";
    return Maybe(fmt::format(
        "to {} is free only if the column is {}{} with a length limit; from any other type "
        "every value is converted",
        target, from, target));
  }
  return Yes(fmt::format("to {} converts every value (no other type is binary coercible to {})",
                         target, target));
}

}  // namespace

std::string TypeRef::Display() const {
  std::string base = name;
  for (const auto& [typname, display] : kDisplayNames) {
    if (name == typname) base = std::string(display);
  }
  if (name == "bpchar" && !mods.empty()) base = "char";
  if (!schema.empty()) base = SqlIdent(schema) + "." + base;
  if (!mods.empty()) {
    base += "(";
    for (size_t i = 0; i < mods.size(); ++i) {
      if (i > 0) base += ",";
      base += std::to_string(mods[i]);
    }
    base += ")";
  }
  if (array) base += "[]";
  return base;
}

TypeRef TypeFromNode(JsonValue type_name) {
  TypeRef type;
  std::vector<std::string_view> names = StringList(type_name["names"]);
  if (names.empty()) return type;
  type.name = std::string(names.back());
  if (names.size() > 1 && names[names.size() - 2] != "pg_catalog") {
    type.schema = std::string(names[names.size() - 2]);
  }
  if (type.schema.empty()) {
    for (const auto& [alias, typname] : kSerials) {
      if (type.name == alias) {
        type.serial = alias.find("serial") != std::string_view::npos;
        type.name = std::string(typname);
      }
    }
  }
  for (JsonValue mod : type_name["typmods"]) {
    type.mods.push_back(IntConst(mod).value_or(-1));
  }
  type.array = type_name["arrayBounds"].size() > 0;
  return type;
}

TypeChange DecideTypeChange(const TypeRef* from, const TypeRef& to, bool plain_using,
                            const Catalog& catalog) {
  if (!plain_using) {
    return Yes(
        fmt::format("to {} with a USING expression evaluates it for every row", to.Display()));
  }
  if (from != nullptr && from->known()) return DecideKnown(*from, to, catalog);
  return DecideUnknown(to, catalog);
}

}  // namespace zs::lint
