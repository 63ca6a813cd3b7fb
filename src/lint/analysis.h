// Facts about parts of a statement that both the lock model (classify.h) and
// the rules need: what a column definition carries, whether an expression
// calls a volatile function, whether a type change rewrites.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lint/catalog.h"
#include "lint/source.h"
#include "lint/state.h"
#include "lint/tree.h"
#include "lint/types.h"

namespace zs::lint {

struct ColumnDefFacts {
  std::string name;
  TypeRef type;
  JsonValue default_expr;  // the DEFAULT expression node (wrapped); missing if none
  JsonValue default_constraint;
  JsonValue not_null_constraint;
  JsonValue check_constraint;   // the first CHECK, a Constraint body
  JsonValue foreign_key;        // REFERENCES
  JsonValue unique_constraint;  // UNIQUE or PRIMARY KEY
  JsonValue identity;           // GENERATED ... AS IDENTITY
  JsonValue generated;          // GENERATED ALWAYS AS (...) STORED
  bool not_null = false;        // NOT NULL or PRIMARY KEY
};

// REQUIRES: `column_def` is a ColumnDef body.
ColumnDefFacts ReadColumnDef(JsonValue column_def);

struct VolatileCall {
  std::string name;
  Volatility volatility = Volatility::kVolatile;
  std::string origin;             // "pg_catalog", an extension, "this migration", or ""
  bool unknown_function = false;  // neither built in nor created in the linted files
  uint32_t offset = 0;
};

// The first call in `expr` of a function that is VOLATILE (by the catalog, by
// a CREATE FUNCTION in the linted files) or unknown (user functions are
// VOLATILE unless declared otherwise).
std::optional<VolatileCall> FindVolatileCall(const Statement& stmt, JsonValue expr,
                                             const LintState& state, const Catalog& catalog);

// Whether ADD COLUMN of `column` rewrites the table, and why (a clause).
std::optional<std::string> AddColumnRewriteReason(const Statement& stmt,
                                                  const ColumnDefFacts& column,
                                                  const LintState& state, const Catalog& catalog);

// The verdict for an AT_AlterColumnType command (an AlterTableCmd body) on `table`.
TypeChange AlterTypeVerdict(JsonValue cmd, const std::string& table, const LintState& state,
                            const Catalog& catalog);

// The columns a CHECK expression proves NOT NULL, once validated: `col IS NOT
// NULL`, a strict comparison on `col`, or an AND holding either.
std::vector<std::string> NotNullCheckColumns(JsonValue expr);

// A change of lock_timeout or statement_timeout: SET, SET LOCAL, RESET,
// SET ... TO DEFAULT, or SELECT set_config(...).
struct TimeoutChange {
  std::string name;  // "lock_timeout", "statement_timeout", or "*" for RESET ALL
  bool local = false;
  bool reset = false;         // back to the server default (none)
  std::optional<int64_t> ms;  // the new value; nullopt when not a constant we can read
  uint32_t offset = 0;
};
std::vector<TimeoutChange> TimeoutChanges(const Statement& stmt);

// "500ms", "2s", "1min", 500 (milliseconds) -> milliseconds; nullopt if unreadable.
std::optional<int64_t> ParseDurationMs(std::string_view text);

// The short start of a statement for messages: "ALTER TABLE users ADD COLUMN ...".
std::string Snippet(std::string_view text, size_t max_chars = 60);

}  // namespace zs::lint
