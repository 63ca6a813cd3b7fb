#include "engine/engine_checks.h"

#include <fmt/format.h>

#include <algorithm>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"
#include "engine/ownership.h"
#include "engine/ownership_mariadb.h"
#include "migration/names.h"
#include "mysql/connection.h"

namespace zs::engine {

namespace {

// The part of `m` a dry run (nothing executed) can plan: up to and including
// its first operation that changes the schema opaquely (raw SQL). The
// operations after it may refer to objects only that SQL creates, and an
// operation's Start needs its Validate to have passed; Start plans them once
// the SQL has run. nullopt when the whole migration can be planned.
std::optional<migration::Migration> DryRunPart(const migration::Migration& m,
                                               const Operations& operations) {
  for (size_t i = 0; i + 1 < operations.size(); ++i) {
    if (!operations[i]->ChangesSchemaOpaquely()) continue;
    migration::Migration head = m;
    head.operations.resize(i + 1);
    return head;
  }
  return std::nullopt;
}

}  // namespace

Result<Plan> DryRun(const PlanInput& input, const Operations& operations, schema::Schema base) {
  std::optional<migration::Migration> head = DryRunPart(*input.migration, operations);
  if (!head) return BuildPlan(input, operations, std::move(base));
  ZS_ASSIGN_OR_RETURN(Operations head_operations, MakeOperations(*head));
  PlanInput head_input = input;
  head_input.migration = &*head;
  return BuildPlan(head_input, head_operations, std::move(base));
}

bool IsUserSql(const ops::Action& action) { return action.id.starts_with("sql:"); }

// A migration built in code (convert, the lab, tests) has not been through
// the parser: its names are checked here before they reach SQL or a file.
Status CheckNames(const migration::Migration& migration) {
  std::string where = migration.source_file.empty() ? "migration" : migration.source_file + ":";
  ZS_RETURN_IF_ERROR(migration::ValidateMigrationName(migration.name, where + " name"));
  if (migration.version_schema.empty()) return Status::Ok();
  return migration::ValidateMigrationName(migration.version_schema, where + " version_schema");
}

// Refuses, before anything runs, a plan that would create an object whose
// name is taken (SAFETY.md invariant 3), listing every such name.
// MariaDB: the version database is the one name a start creates outside the
// migration's own tables and columns (which the operations' validation checks
// against the catalog); a database of that name that exists is not ours.
Status MariadbCheckVersionDatabaseFree(backend::Session& session,
                                       const migration::Migration& migration, const Plan& plan) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      backend::MariadbConnection(session).Exec(
                          "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                          mysql::QuoteLiteral(plan.version_schema)));
  if (rows.empty()) return Status::Ok();
  return Conflict(fmt::format(
      "{}: migration \"{}\" would create version database {}, which exists already and was not "
      "created by this start; nothing was changed; drop that database or set another "
      "`version_schema` in the migration",
      migration.source_file.empty() ? "migration" : migration.source_file, migration.name,
      session.backend().QuoteIdentifier(plan.version_schema)));
}

Status PostgresCheckNamesFree(backend::Session& session, const std::string& schema,
                              const migration::Migration& migration, const Plan& plan) {
  pg::Connection& conn = backend::PostgresConnection(session);
  std::vector<ObjectRef> created;
  for (const auto* actions : {&plan.expand, &plan.install}) {
    for (const auto& action : *actions) {
      if (IsUserSql(action)) continue;
      // SQL that does not parse (a user expression that breaks its wrapper)
      // creates nothing: the rehearsal reports it, with the operation's line.
      auto parsed = CreatedObjects(action.sql, schema);
      if (!parsed.ok()) continue;
      auto objects = std::move(parsed).value();
      for (auto& object : objects) {
        if (std::find(created.begin(), created.end(), object) == created.end()) {
          created.push_back(std::move(object));
        }
      }
    }
  }
  if (created.empty()) return Status::Ok();
  std::string values;
  for (size_t i = 0; i < created.size(); ++i) {
    values += fmt::format("{}({}, {})", i == 0 ? "" : ", ", i, ExistsSql(created[i]));
  }
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, conn.Exec("SELECT i FROM (VALUES " + values +
                                               ") AS v(i, taken) WHERE taken ORDER BY i"));
  if (rows.empty()) return Status::Ok();
  std::string taken;
  for (int r = 0; r < rows.size(); ++r) {
    taken += "\n  " + created[static_cast<size_t>(rows.GetInt(r, 0))].Describe();
  }
  return Conflict(fmt::format(
      "{}: migration \"{}\" would create objects whose names are already taken by objects "
      "zeroshift did not create:{}\nnothing was changed; rename or drop those objects, or give "
      "the migration another name (or `version_schema`)",
      migration.source_file.empty() ? "migration" : migration.source_file, migration.name, taken));
}

}  // namespace zs::engine
