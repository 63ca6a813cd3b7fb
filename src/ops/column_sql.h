// SQL fragments for column definitions of create_table and add_column.
#pragma once

#include <string>

#include "core/status.h"
#include "migration/migration.h"
#include "ops/operation.h"
#include "schema/schema.h"

namespace zs::ops {

// "(<expression>)" to embed into DDL, read by ctx.backend's rules: on
// PostgreSQL the ")" goes on a line of its own when the expression has a line
// comment that would swallow it; on MariaDB (whose checker refuses line
// comments) the text is wrapped as is, without a final `;`, and PostgreSQL's
// parser is never used: it would misread MariaDB's `\'`, `#`, DIV, ...
// Never fails: an expression that was not validated (the planner builds the
// phases of operations past raw SQL in a dry run without running them) is
// wrapped as written.
std::string EmbedExpression(const OpContext& ctx, const std::string& expression);

// Names are quoted through ctx.backend.
// `"name" type [GENERATED ...] [DEFAULT (...)]`: no constraints.
// REQUIRES: ValidateColumnDefinition(column) succeeded.
std::string ColumnTypeAndDefaultSql(const OpContext& ctx, const migration::Column& column);

// `CONSTRAINT "name" CHECK (...) [NO INHERIT]`
std::string CheckSql(const OpContext& ctx, const migration::CheckConstraint& check);

// `REFERENCES "schema"."table" ("column") [MATCH ...] ON DELETE ... ON UPDATE ...
// [DEFERRABLE] [INITIALLY DEFERRED]`; `ref.table` is the physical table name.
std::string ReferencesSql(const OpContext& ctx, const std::string& schema,
                          const migration::ForeignKeyReference& ref);

// Validates the user SQL and names of a column definition through
// CheckerFor(ctx): identifier, type, default/check/generated expressions
// (over `table`, the columns the table will have), identity sequence options,
// reference names. `what` prefixes messages.
Status ValidateColumnDefinition(const OpContext& ctx, const sqlcheck::VisibleTable& table,
                                const migration::Column& column, const std::string& what);

// PostgreSQL: true when the column's default calls a VOLATILE function
// (gen_random_uuid(), nextval, random, clock_timestamp) or one zeroshift does
// not know (user functions are VOLATILE unless declared otherwise): ADD COLUMN
// with such a default rewrites the whole table under ACCESS EXCLUSIVE.
// MariaDB: true when the default is not one MariaDB adds instantly
// (!MariadbInstantDefault, ops/mariadb_sql.h).
bool HasVolatileDefault(const OpContext& ctx, const migration::Column& column);

// The virtual-schema column a definition produces (expressions embedded by
// ctx.backend's rules).
schema::Column ToSchemaColumn(const OpContext& ctx, const migration::Column& column);

// pg_constraint.contype of a constraint type of the format (create_table, create_constraint):
// check c, primary_key p, foreign_key f, exclude x, unique u.
char ConstraintTypeCode(const std::string& type);

}  // namespace zs::ops
