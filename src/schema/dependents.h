// What hangs on one column besides the indexes and constraints the schema
// model already carries: views, generated columns, policies, triggers,
// extended statistics, publication column lists. A column swap (alter_column
// and friends) drops the old column at complete, which PostgreSQL refuses
// (2BP01) or which silently takes these objects with it, so they are read
// before anything runs and the migration is refused with their list.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace zs::pg {
class Connection;
}
namespace zs::backend {
class Session;
}

namespace zs::schema {

struct Dependent {
  // "view", "generated column", "policy", "trigger", "statistics",
  // "publication", or the catalog's name for anything else; on MariaDB also
  // "trigger body" (a trigger whose body names the column).
  std::string kind;
  // pg_describe_object: "policy p on table t"; MariaDB: "view `db`.`v`".
  std::string description;
};

// The objects that depend on column `column` of `schema`.`table` (physical
// names) in the session's database, in a stable order: the pg::Connection
// overload below on PostgreSQL, ReadMariadbColumnDependents
// (mariadb_dependents.h) on MariaDB, where `ignored_schemas` are databases.
Result<std::vector<Dependent>> ReadColumnDependents(
    backend::Session& session, const std::string& schema, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_schemas);

// The PostgreSQL implementation: from pg_depend, in a stable order. Left out,
// because column swaps carry them over: the column's own default, indexes,
// owned sequences, constraints, internal triggers, and views in
// `ignored_schemas` (zeroshift's version schemas, which are dropped and
// recreated by the migrations).
Result<std::vector<Dependent>> ReadColumnDependents(
    pg::Connection& conn, const std::string& schema, const std::string& table,
    const std::string& column, const std::vector<std::string>& ignored_schemas);

// Publications that publish every column of `schema`.`table`, present and
// future: FOR ALL TABLES, FOR TABLES IN SCHEMA, or the table without a column
// list. A temporary column added to such a table is replicated, and a
// subscriber whose table lacks it stops. MariaDB has no publications (its
// replicas replay the DDL that adds the column too): none there.
Result<std::vector<std::string>> PublicationsOfAllColumns(backend::Session& session,
                                                          const std::string& schema,
                                                          const std::string& table);
Result<std::vector<std::string>> PublicationsOfAllColumns(pg::Connection& conn,
                                                          const std::string& schema,
                                                          const std::string& table);

// The version schemas zeroshift has recorded (empty when not initialised).
// PostgreSQL only: on MariaDB they belong to the state store (src/state/).
Result<std::vector<std::string>> RecordedVersionSchemas(pg::Connection& conn);

// What the user should do about `dependent` before the migration runs.
std::string AdviceFor(const Dependent& dependent);

}  // namespace zs::schema
