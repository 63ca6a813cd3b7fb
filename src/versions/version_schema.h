// Versions: one namespace per migration holding one view per table in the
// migration's resulting shape, through which the new version's clients read
// and write. Where that namespace lives is the backend's, behind VersionSql:
//   - PostgreSQL (postgres_version_schema.h): a schema of the same database,
//     selected with search_path or the zeroshift.version setting.
//   - MariaDB (mariadb_version_schema.h): a database `<database>_<migration>`
//     of SQL SECURITY INVOKER views, selected with USE (and
//     @zeroshift_version for the dual-write triggers).
// Every implementation only builds SQL text; the engine runs it.
#pragma once

#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "ops/action.h"
#include "schema/schema.h"

// Code written before the seam calls PostgreSQL's free functions
// (VersionSchemaName, CreateVersionActions, ...) directly; they stay
// reachable through this header until those callers go through VersionSqlFor.
#include "versions/postgres_version_schema.h"

namespace zs::versions {

class VersionSql {
 public:
  virtual ~VersionSql() = default;

  // The version's namespace for `migration_name` (or its version_schema
  // override) of `schema` (MariaDB: the database).
  virtual std::string VersionName(const std::string& schema, const std::string& migration_name,
                                  const std::string& version_schema_override) const = 0;

  // Checks that `version` (a VersionName) is a name the database keeps as
  // it is, within its identifier limit (PostgreSQL would silently cut a
  // longer schema name, so two migrations whose names start alike would
  // share one version). `migration` names the migration in the message,
  // which says what to change.
  virtual Status CheckName(const std::string& version, const std::string& migration) const = 0;

  // What creates the version: its namespace, one view per table of `shape`
  // (virtual names over physical columns) and the tables' grants on the
  // views, in the order to run. `server_version_num` is the server's version
  // number (PostgreSQL's server_version_num; MariaDB's mysql_get_server_version).
  virtual std::vector<ops::Action> CreateActions(const schema::Schema& shape,
                                                 const std::string& version,
                                                 int server_version_num) const = 0;

  // One statement giving the view of `table` in `version` the privileges its
  // table has; only adds, so it can run again (at complete) to carry grants
  // made since start.
  virtual std::string CopyGrantsSql(const schema::Table& table, const std::string& base_schema,
                                    const std::string& version) const = 0;

  // Removes the version, safe to run again.
  virtual ops::Action DropAction(const std::string& version) const = 0;

  // Run last at complete: what keeps the version's views reading the
  // columns and tables complete renamed (a swap's temporary column, a
  // renamed column or table). `shape` is the version's shape as start made
  // it (physical names as they were). PostgreSQL: nothing, a view follows a
  // rename. MariaDB: every view again, over the final names, since a view
  // names its columns and table and would fail (1356) after the rename.
  virtual std::vector<ops::Action> CompleteActions(const schema::Schema& /*shape*/,
                                                   const std::string& /*version*/) const {
    return {};
  }
};

// The implementation for `backend` (the only place that looks at its kind).
const VersionSql& VersionSqlFor(const backend::Backend& backend);

}  // namespace zs::versions
