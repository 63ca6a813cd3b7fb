// User SQL (up, down, check, default, sql operations) is parsed with
// libpg_query, the real PostgreSQL parser, before anything runs.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace zs::sqlcheck {

// `what` names the culprit in messages, e.g. "02_split_name.yaml:5:7 add_column users.first_name
// up".

// Checks that `expression` is exactly one SQL value expression (so
// "x; DROP TABLE t" and "1) ; (2" are rejected). Also accepted, as pgroll
// does: a single "SELECT <expr>" with one target and no FROM, which is then
// used as a scalar subquery. Returns the text to embed in generated SQL:
// "(<expression>)" with a newline before the closing parenthesis so that a
// trailing -- comment cannot swallow it.
Result<std::string> ValidateExpression(const std::string& expression, const std::string& what);

// The unqualified and qualified column names an expression refers to
// (ColumnRef nodes: "name", "t.name" -> "name"), deduplicated, in first-seen order.
// REQUIRES: ValidateExpression(expression) succeeded.
Result<std::vector<std::string>> ReferencedColumns(const std::string& expression);

// Checks that `sql` is one or more complete SQL statements that parse.
// Returns the number of statements.
Result<int> ValidateStatements(const std::string& sql, const std::string& what);

// Checks that `type` names a syntactically valid type ("varchar(255)",
// "timestamp with time zone", "text[]"): parsed as the target of a cast.
Status ValidateTypeName(const std::string& type, const std::string& what);

// Checks that `name` is usable as an identifier: non-empty, at most 63 bytes,
// no double quote, no whitespace, no semicolon, no control character.
Status ValidateIdentifier(const std::string& name, const std::string& what);

}  // namespace zs::sqlcheck
