// Calls of PostgreSQL's built-in functions in user expressions, checked
// against the server's catalog as shipped in data/pg_function_volatility.tsv
// (lint/catalog.h): `now(123)` or `date_trunc(1, now())` name a function
// that exists but a call that does not, and would fail only when the
// migration runs.
#pragma once

#include <string>

#include "core/status.h"
#include "sqlparse/tree.h"

namespace zs::sqlcheck {

// Checks each unqualified call in `tree` (a parse tree, sqlparse) of a name that
// pg_catalog has: some overload must take that many arguments, and each
// constant argument (an integer, a decimal, a boolean) must convert
// implicitly to that overload's parameter type. Qualified calls
// (`public.now(1)`, `pg_catalog.random(1, 10)`) and names pg_catalog does
// not have are left to the server: they may be the user's own, or a newer
// PostgreSQL's than the catalog's. `what` and `expression` name the culprit.
Status CheckFunctionCalls(sqlparse::JsonValue tree, const std::string& expression,
                          const std::string& what);

// True when `tree` calls any function the built-in catalog does not know as
// IMMUTABLE or STABLE (a qualified call by its last name): its value may
// change from row to row.
bool CallsVolatileFunction(sqlparse::JsonValue tree);

}  // namespace zs::sqlcheck
