// What sqlcheck's checkers share: one parse of a text (sqlparse) with the
// depth limit every user SQL is held to, and reading the common shapes of
// its tree. Internal to sqlcheck/.
#pragma once

#include <string>

#include "sqlparse/parser.h"

namespace zs::sqlcheck {

using sqlparse::JsonValue;

// The deepest parse tree accepted, in JSON levels (about two per level of
// SQL: {"A_Expr": {"lexpr": {"A_Expr": ...}}}).
inline constexpr size_t kMaxTreeDepth = 2000;

// The outcome of one parse: the tree, or the parser's message and its 1-based
// cursor position in the parsed text (0 if unknown).
struct Parsed {
  sqlparse::ParseTree tree;
  std::string error;
  int cursor = 0;
  bool ok() const { return error.empty(); }
};

// Parses `sql`; a tree deeper than kMaxTreeDepth is an error too.
Parsed Parse(const std::string& sql);

// Describes a parser error, with the position counted in the user's text,
// which starts `prefix_length` bytes into what was parsed.
std::string ParserReason(const Parsed& parsed, size_t prefix_length, size_t text_length);

// True when `text` is empty or only whitespace.
bool IsBlank(const std::string& text);

// The node of the only statement of `tree` when it is a `kind`
// ({"IndexStmt": {...}} -> its inner object); missing otherwise.
JsonValue OnlyStatementOfKind(const sqlparse::ParseTree& tree, std::string_view kind);

}  // namespace zs::sqlcheck
