#include "sqlcheck/function_calls.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "lint/catalog.h"

namespace zs::sqlcheck {
namespace {

using sqlparse::JsonValue;
using Signature = lint::Catalog::Signature;

// The type of a constant argument, as far as overload choice goes.
enum class ArgKind { kOther, kInteger, kDecimal, kBoolean };

ArgKind KindOf(JsonValue arg) {
  JsonValue c = arg["A_Const"];
  if (!c.is_object()) return ArgKind::kOther;
  if (c["ival"].exists()) return ArgKind::kInteger;
  if (c["fval"].exists()) return ArgKind::kDecimal;
  if (c["boolval"].exists()) return ArgKind::kBoolean;
  return ArgKind::kOther;  // a string literal or NULL: of unknown type, it fits any parameter
}

std::string_view KindName(ArgKind kind) {
  switch (kind) {
    case ArgKind::kInteger:
      return "an integer";
    case ArgKind::kDecimal:
      return "a decimal number";
    case ArgKind::kBoolean:
      return "a boolean";
    default:
      return "a value";
  }
}

// Whether a constant of `kind` converts implicitly (pg_cast 'i') to `type`.
bool Converts(ArgKind kind, std::string_view type) {
  if (kind == ArgKind::kOther) return true;
  static constexpr std::string_view kPolymorphic[] = {"any", "anyelement", "anynonarray",
                                                      "anycompatible", "anycompatiblenonarray"};
  if (std::find(std::begin(kPolymorphic), std::end(kPolymorphic), type) != std::end(kPolymorphic)) {
    return true;
  }
  switch (kind) {
    case ArgKind::kInteger:
      return type == "int4" || type == "int8" || type == "numeric" || type == "float4" ||
             type == "float8" || type == "oid" || type.starts_with("reg");
    case ArgKind::kDecimal:
      return type == "numeric" || type == "float4" || type == "float8";
    case ArgKind::kBoolean:
      return type == "bool";
    default:
      return true;
  }
}

std::string Describe(std::string_view name, const Signature& s) {
  std::string args;
  for (size_t i = 0; i < s.arg_types.size(); ++i) {
    if (i > 0) args += ", ";
    if (s.variadic && i + 1 == s.arg_types.size()) args += "VARIADIC ";
    args += s.arg_types[i];
    if (static_cast<int>(s.arg_types.size() - i) <= s.ndefaults) args += " = default";
  }
  return fmt::format("{}({})", name, args);
}

std::string Known(std::string_view name, const std::vector<Signature>& overloads) {
  std::vector<std::string> seen;
  for (const Signature& s : overloads) {
    std::string text = Describe(name, s);
    if (std::find(seen.begin(), seen.end(), text) == seen.end()) seen.push_back(text);
  }
  constexpr size_t kShown = 6;
  std::string out;
  for (size_t i = 0; i < seen.size() && i < kShown; ++i) out += (i ? ", " : "") + seen[i];
  if (seen.size() > kShown) out += fmt::format(" and {} more", seen.size() - kShown);
  return out;
}

constexpr std::string_view kWayOut =
    "; fix the call, or, if it is a function of your own or of a newer PostgreSQL, qualify it "
    "with its schema and zeroshift leaves it to the server";

// The problem with one call, or "" when the catalog has a matching overload.
std::string CallProblem(std::string_view name, const std::vector<JsonValue>& args, bool star) {
  std::vector<Signature> overloads = lint::Catalog::Builtin().Overloads(name);
  bool in_pg_catalog = std::any_of(overloads.begin(), overloads.end(),
                                   [](const Signature& s) { return s.origin == "pg_catalog"; });
  if (!in_pg_catalog) return "";
  int nargs = static_cast<int>(args.size());
  if (star) nargs = 0;  // count(*)
  std::vector<const Signature*> by_count;
  for (const Signature& s : overloads) {
    if (s.Accepts(nargs)) by_count.push_back(&s);
  }
  if (by_count.empty()) {
    return fmt::format(
        "{}() is called with {} argument{}, and PostgreSQL has no such function: "
        "it has {}",
        name, nargs, nargs == 1 ? "" : "s", Known(name, overloads));
  }
  for (const Signature* s : by_count) {
    if (s->variadic) return "";
    bool fits = true;
    for (int i = 0; i < nargs && fits; ++i) fits = Converts(KindOf(args[i]), s->arg_types[i]);
    if (fits) return "";
  }
  for (int i = 0; i < nargs; ++i) {
    ArgKind kind = KindOf(args[i]);
    bool any = std::any_of(by_count.begin(), by_count.end(),
                           [&](const Signature* s) { return Converts(kind, s->arg_types[i]); });
    if (!any) {
      return fmt::format(
          "{}() is called with {} as argument {}, and no {}() takes that: "
          "PostgreSQL has {}",
          name, KindName(kind), i + 1, name, Known(name, overloads));
    }
  }
  return fmt::format(
      "{}() is called with constants of types no one overload takes together: "
      "PostgreSQL has {}",
      name, Known(name, overloads));
}

// The elements of an array (nothing for anything else).
std::vector<JsonValue> Elements(JsonValue array) {
  std::vector<JsonValue> out;
  if (!array.is_array()) return out;
  for (JsonValue element : array) out.push_back(element);
  return out;
}

// The problem with the call whose FuncCall body is `call`, or "".
std::string ProblemOf(JsonValue call) {
  JsonValue names = call["funcname"];
  // VARIADIC arrays and WITHIN GROUP's ordered arguments do not count as written.
  if (!names.is_array() || names.size() != 1 || call["func_variadic"].is_true() ||
      call["agg_within_group"].is_true()) {
    return "";
  }
  std::string_view name = names.front()["String"]["sval"].str();
  return CallProblem(name, Elements(call["args"]), call["agg_star"].is_true());
}

}  // namespace

Status CheckFunctionCalls(JsonValue tree, const std::string& expression, const std::string& what) {
  Status status = Status::Ok();
  // Flat, in text order: the tree may be as deep as the parser allows.
  tree.ForEachDescendant([&](JsonValue value) {
    if (!status.ok() || value.key() != "FuncCall" || !value.is_object()) return;
    std::string problem = ProblemOf(value);
    if (!problem.empty()) {
      status = InvalidInput(fmt::format("{}: `{}`: {}{}", what, expression, problem, kWayOut));
    }
  });
  return status;
}

bool CallsVolatileFunction(JsonValue tree) {
  bool found = false;
  tree.ForEachDescendant([&](JsonValue value) {
    if (found || value.key() != "FuncCall" || !value.is_object()) return;
    std::string_view name;
    for (JsonValue part : value["funcname"]) {
      if (part["String"]["sval"].is_string()) name = part["String"]["sval"].str();
    }
    int nargs = value["args"].is_array() ? static_cast<int>(value["args"].size()) : 0;
    auto info = lint::Catalog::Builtin().Function(name, nargs);
    found = !info || info->volatility == lint::Volatility::kVolatile;
  });
  return found;
}

}  // namespace zs::sqlcheck
