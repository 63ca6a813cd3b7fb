// Version schemas: one schema per migration holding one view per table in the
// migration's resulting shape. Clients select a version with search_path or
// the zeroshift.version session setting.
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

ops::Action DropVersionAction(const std::string& version_schema);

}  // namespace zs::versions
