// Reading the parser's JSON parse tree (PostgreSQL 15 node names and fields).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlparse/tree.h"

namespace zs::lint {

// The parse-tree type of every lint rule: sqlparse's, under the name lint has always used.
using sqlparse::JsonValue;

// A table (or index, view) as a statement names it. key() identifies it across
// statements: the relation name without schema, as the parser folded it.
struct RelationName {
  std::string schema;
  std::string name;
  int64_t location = -1;

  const std::string& key() const { return name; }
  // "users" or "app.users", quoted where the name needs it.
  std::string Display() const;
};

// A RangeVar (unwrapped, as in "relation": {...}).
RelationName Relation(JsonValue range_var);

// {"String": {"sval": "x"}} -> "x"; "" for anything else.
std::string_view StringNode(JsonValue node);
// An array of String nodes -> their values.
std::vector<std::string_view> StringList(JsonValue list);
// A node's "location" field (a byte offset into the parsed text), or -1.
int64_t Location(JsonValue body);

// An A_Const integer (a missing ival means 0), or nullopt.
std::optional<int64_t> IntConst(JsonValue node);
// An A_Const string, or nullopt.
std::optional<std::string_view> StringConst(JsonValue node);

// Identifier as SQL: quoted only when it needs to be.
std::string SqlIdent(std::string_view name);

// The name a function call calls: last element of "funcname" (no schema).
std::string_view FuncName(JsonValue func_call_body);
// The schema of a qualified call ("" when unqualified).
std::string_view FuncSchema(JsonValue func_call_body);

// DefElem options: the DefElem named `name` in an array of {"DefElem": ...}; missing if none.
JsonValue FindDefElem(JsonValue options, std::string_view name);

// True when `options` holds the DefElem `name` switched on: written without a
// value, or with one PostgreSQL's defGetBoolean reads as true. "(CONCURRENTLY
// false)", "(FULL off)" and "(ANALYZE 0)" are off, as the server reads them:
// the option's name alone says nothing.
bool OptionIsOn(JsonValue options, std::string_view name);

}  // namespace zs::lint
