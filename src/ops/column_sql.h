// SQL fragments for column definitions of create_table and add_column.
#pragma once

#include <string>

#include "core/status.h"
#include "migration/migration.h"
#include "schema/schema.h"

namespace zs::ops {

// `"name" type [GENERATED ...] [DEFAULT ...]`: no constraints.
std::string ColumnTypeAndDefaultSql(const migration::Column& column);

// `REFERENCES "schema"."table" ("column") [MATCH ...] ON DELETE ... ON UPDATE ...`
std::string ReferencesSql(const std::string& schema, const migration::ForeignKeyReference& ref);

// Validates the user SQL and names of a column definition: identifier, type
// syntax, default/check/generated expressions. `what` prefixes messages.
Status ValidateColumnDefinition(const migration::Column& column, const std::string& what);

// The virtual-schema column a definition produces.
schema::Column ToSchemaColumn(const migration::Column& column);

}  // namespace zs::ops
