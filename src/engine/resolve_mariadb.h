// Name resolution of user expressions on MariaDB (resolve.h says what it
// does on PostgreSQL).
//
// Choice: the names an expression uses are resolved in the migration's
// database only, and the expression is kept as written. MariaDB has no
// search_path: a trigger's body resolves an unqualified function in the
// trigger's own database, which is the table's, whatever database the writer
// has selected with USE. So a user-defined function in `up`/`down` must be
// in the migration's database or be written schema-qualified
// (`otherdb.f(x)`); nothing needs rewriting, because the trigger, the
// backfill's UPDATE and verify all evaluate it in that database. The check
// PREPAREs the expression there (PREPARE resolves columns and functions and
// runs nothing), with the session switched to the migration's database for
// the check and back, so a writer's or zeroshift's own USE cannot make a
// function resolve here that the trigger would not find.
//
// Trust: a trigger runs with its DEFINER's privileges (zeroshift's user), and
// a stored function declared SQL SECURITY INVOKER runs with the privileges
// of whoever calls it: called from the trigger, zeroshift's. Such a function
// defined by another user would let that user run code as zeroshift, as
// PostgreSQL's untrusted function owner would (resolve.h), so it is refused.
// A SQL SECURITY DEFINER function runs as its definer, which grants nothing.
// Stored expressions (check, default, generated columns) need no check on
// MariaDB: they cannot call stored functions at all (the server refuses).
#pragma once

#include <string>

#include "backend/backend.h"
#include "engine/resolve.h"
#include "mysql/connection.h"

namespace zs::engine {

// The expression as the trigger evaluates it (unchanged), or an error naming
// the function that does not resolve in e.schema (and what to write), or
// the SQL SECURITY INVOKER function another user defined.
Result<std::string> MariadbResolveExpression(mysql::Connection& conn, const ExpressionToResolve& e);

// Resolvers for PlanInput over `session`'s connection.
Resolvers MakeMariadbResolvers(backend::Session& session, const std::string& schema);

}  // namespace zs::engine
