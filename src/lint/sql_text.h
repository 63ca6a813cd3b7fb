// Source text of parts of a parsed statement, for rewrites and for convert.
// The parser gives where a node starts but not where it ends; the end is
// found by re-parsing candidate extents (at balanced token boundaries) until
// one parses to the same tree, so "a IS DISTINCT FROM b" or "CASE ... END" are
// cut exactly where the parser cut them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lint/source.h"
#include "lint/tree.h"

namespace zs::lint {

// The text of the expression node `expr` (a wrapped node such as
// {"FuncCall": {...}}) inside `stmt`; "" when it cannot be recovered.
std::string ExpressionText(const Statement& stmt, JsonValue expr);

// The text of a TypeName node (unwrapped, as in "typeName": {...}); "" if not found.
std::string TypeText(const Statement& stmt, JsonValue type_name);

// The statement's text without its final ';' and surrounding whitespace.
std::string_view StatementBody(const Statement& stmt);

// The statement with `insert` placed right after the first token equal to
// `keyword` (upper case) at or after file offset `from`; "" when there is none.
std::string InsertAfterKeyword(const Statement& stmt, uint32_t from, std::string_view keyword,
                               std::string_view insert);

// The file offset of the first token equal to `keyword` at or after `from`, or nullopt.
std::optional<uint32_t> FindKeyword(const Statement& stmt, uint32_t from, std::string_view keyword);

}  // namespace zs::lint
