// User SQL (up, down, check, default, sql operations) is parsed with the real
// PostgreSQL parser (sqlparse/) before anything runs. Expressions are checked
// in expression.cc, statement lists and DDL fragments in statements.cc.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "sqlparse/parser.h"

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

// The columns of table `table` that `expression` refers to: unqualified names
// and names qualified by `table` itself ("posts.title" for table "posts"),
// deduplicated, in first-seen order. A name qualified by another table or
// alias ("users.id" in a subquery that reads users) belongs to that relation
// and is left out.
// REQUIRES: ValidateExpression(expression) succeeded.
Result<std::vector<std::string>> ReferencedColumns(const std::string& expression,
                                                   const std::string& table);

// The parse tree of `sql` (one or more statements), or kInvalidInput with
// the parser's message and position; held to the same depth limit as every
// check here. For code that rewrites SQL by the locations the parser reports
// (sqlcheck/rewrite.h).
Result<sqlparse::ParseTree> ParseSql(const std::string& sql);

// Checks that `sql` is one or more complete SQL statements that parse.
// Returns the number of statements.
Result<int> ValidateStatements(const std::string& sql, const std::string& what);

// Checks that `type` names a syntactically valid type ("varchar(255)",
// "timestamp with time zone", "text[]"): parsed as the target of a cast.
Status ValidateTypeName(const std::string& type, const std::string& what);

// Checks that `name` is usable as an identifier: non-empty, at most 63 bytes,
// no double quote, no whitespace, no semicolon, no control character.
Status ValidateIdentifier(const std::string& name, const std::string& what);

// Checks that `options` is a list of storage parameters or operator class
// parameters: `name = value, ...` as in `WITH (fillfactor = 70)`. No comment
// and nothing beyond the list (so `70) WHERE (true` is rejected).
Status ValidateOptionList(const std::string& options, const std::string& what);

// Checks that `options` is a list of sequence options, as in `GENERATED ...
// AS IDENTITY (START WITH 10 INCREMENT BY 5)`, and nothing else.
Status ValidateSequenceOptions(const std::string& options, const std::string& what);

// Checks that `elements` is the element list of an EXCLUDE constraint
// (`room WITH =, during WITH &&`), and nothing else.
Status ValidateExcludeElements(const std::string& elements, const std::string& what);

// One statement of a multi-statement SQL text, classified for the engine.
struct Statement {
  std::string text;  // as written, without its `;`, surrounding space and leading comments
  // PostgreSQL refuses to run it inside a transaction block (CREATE/DROP
  // INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, VACUUM, DETACH PARTITION
  // CONCURRENTLY, CREATE DATABASE, ...).
  bool outside_transaction = false;
  // CONCURRENTLY variants, VACUUM and ANALYZE: take SHARE UPDATE EXCLUSIVE at most.
  bool share_update_exclusive = false;
  bool transaction_control = false;  // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...
  // For CREATE INDEX CONCURRENTLY with an index name and without IF NOT
  // EXISTS: the index it creates (schema "" when unqualified), which a failed
  // attempt leaves INVALID.
  std::string index_schema;
  std::string index_name;
};

// Splits `sql` into its statements, in order. Fails like ValidateStatements.
Result<std::vector<Statement>> SplitStatements(const std::string& sql, const std::string& what);

}  // namespace zs::sqlcheck
