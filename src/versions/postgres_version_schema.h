// Version schemas on PostgreSQL: one schema per migration holding one view
// per table in the migration's resulting shape. Clients select a version with
// search_path or the zeroshift.version session setting. The VersionSql
// implementation for PostgreSQL, and the free functions code written before
// the seam calls directly.
#pragma once

#include <string>
#include <vector>

#include "ops/action.h"
#include "schema/schema.h"

namespace zs::versions {

// "<schema>_<name>", where name is the migration's version_schema or name.
std::string VersionSchemaName(const std::string& schema, const std::string& migration_name,
                              const std::string& version_schema_override);

// CREATE SCHEMA and one view per table of `shape` (virtual names over
// physical columns), with column defaults copied so INSERT through a view
// behaves like INSERT into the table. security_invoker on PostgreSQL 15+, so
// row-level security and privileges apply to the caller, not the view owner.
std::vector<ops::Action> CreateVersionActions(const schema::Schema& shape,
                                              const std::string& version_schema,
                                              int server_version_num);

// A DO block giving the view of `table` in `version_schema` the privileges
// its table has, per grantee (table-level, and column-level under the names
// the version shows), with USAGE on the version schema to each grantee; a
// temporary column (ops::TemporaryColumnName) first gets the column grants of
// the column it stands in for. Reads the ACLs when it runs, and only adds, so
// it can run again (at complete) to carry grants made since start.
std::string CopyGrantsSql(const schema::Table& table, const std::string& base_schema,
                          const std::string& version_schema);

ops::Action DropVersionAction(const std::string& version_schema);

class VersionSql;
// The functions above behind the VersionSql interface (version_schema.h); its
// output is byte-identical to theirs.
const VersionSql& PostgresVersions();

}  // namespace zs::versions
