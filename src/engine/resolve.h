// Name resolution of user expressions (`up` / `down`), done once at validate
// time against the real server instead of by every trigger call under the
// writer's search_path.
//
// The expression is compiled in a rolled-back transaction as the only output
// column of a temporary view over a temporary table holding the expression's
// variables ("zs_row"), under the search_path zeroshift resolves user names
// with (pg_catalog, the migrated schema, pg_temp). From the view:
//  - every function, operator, type and collation it depends on (pg_depend)
//    must be owned by a trusted role: a superuser or the owner of the table.
//    A function a less trusted role put on the search_path (public.lower
//    (varchar) shadowing pg_catalog.lower(text)) would otherwise run as every
//    writer and as zeroshift, which may be a superuser;
//  - pg_get_viewdef under an empty search_path gives the expression back with
//    every object outside pg_catalog schema-qualified, its implicit casts
//    explicit, and its columns written zs_row.<column>, so the trigger (whose
//    expression block is labelled <<zs_row>>) finds the same objects whatever
//    search_path the writer has.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "migration/migration.h"
#include "schema/schema.h"
#include "triggers/dual_write.h"

namespace zs::pg {
class Connection;
}

namespace zs::engine {

struct ExpressionToResolve {
  std::string schema;  // the migrated schema (resolution search_path, messages)
  std::string table;   // physical name of the table the expression runs on
  // (variable, type) pairs: the names the expression may use, with their types.
  std::vector<std::pair<std::string, std::string>> variables;
  std::string expression;
  std::string what;  // names the expression in messages, e.g. "02_x.yaml:3:5 add_column users.a up"
};

// The qualified form of `e.expression`, or an error naming each untrusted
// function (or operator, type) and its owner. Runs on `conn` in a transaction
// it rolls back; REQUIRES: `conn` is not in a transaction.
Result<std::string> ResolveExpression(pg::Connection& conn, const ExpressionToResolve& e);

// The type of each of `spec`'s variables, from the snapshots (latest first:
// a variable of a `down` is a column of the new shape, of an `up` one of the old).
Result<std::vector<std::pair<std::string, std::string>>> VariableTypes(
    const triggers::TriggerSpec& spec, const std::vector<schema::Schema>& snapshots);

// The expressions PostgreSQL stores with the table (check constraints,
// defaults, generated columns, index and exclusion predicates) of the first
// `count` operations of `migration`, each with the columns of its table as
// the operation sees them. They are not rewritten: PostgreSQL binds their
// names once, when the DDL runs under zeroshift's pinned search_path. But
// what they call runs as every writer, and already once when the DDL runs
// (a default is evaluated, a check validated), so who owns it is checked first.
std::vector<ExpressionToResolve> StoredExpressions(const migration::Migration& migration,
                                                   const std::vector<schema::Schema>& snapshots,
                                                   size_t count);

// Resolvers for engine::PlanInput: both use one connection of their own, opened
// with `conn`'s parameters when first needed (so they work while `conn` is
// inside a read-only validate transaction).
//  - resolve: each trigger spec's expression, qualified;
//  - check_stored: refuses (SQLSTATE 42501) a stored expression that calls
//    an untrusted function, operator or domain; an expression that does not
//    compile is left to the rehearsal, which reports it with its statement.
using SpecResolver = std::function<Result<std::string>(const triggers::TriggerSpec&,
                                                       const std::vector<schema::Schema>&)>;
using StoredExpressionCheck = std::function<Status(const ExpressionToResolve&)>;
struct Resolvers {
  SpecResolver resolve;
  StoredExpressionCheck check_stored;
};
Resolvers MakeResolvers(backend::Session& session, const std::string& schema);

}  // namespace zs::engine
