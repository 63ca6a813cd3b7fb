// Versions on MariaDB 10.11 (the VersionSql implementation; measured facts in
// ../shared/design/mariadb.md, "Versions"). A MariaDB schema is a database,
// so a version is a database `<database>_<migration>` holding one
// `CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW` per table:
// updatable (INSERT and UPDATE through it reach the table, renamed columns
// included, and omitted columns get the table's defaults), and the caller's
// privileges apply, on the view and on the table under it. A new-version
// client runs `USE <version>` and `SET @zeroshift_version = '<version>'`
// (triggers/mariadb_dual_write.h).
//
// Ownership: the database is created with the comment
// MariadbVersionComment(base database), which only zeroshift writes. Create
// refuses a database of that name without such a comment (it is the user's:
// CREATE OR REPLACE VIEW would replace their views), and drop drops only a
// database that has it, and refuses one that also holds tables or routines
// (someone put data there) rather than lose them.
//
// Grants (CopyGrantsSql): the base database's, the table's and its columns'
// SELECT, INSERT, UPDATE and DELETE grants (with their grant option) are
// given on the version database, its view and the view's columns under the
// names the version shows, read from information_schema.SCHEMA_PRIVILEGES,
// TABLE_PRIVILEGES and COLUMN_PRIVILEGES when the statement runs. Those show
// other users' grants only to a user that may read the mysql database's
// grant tables: run by a user that may not, the statement copies only its
// own. A grantee with an empty host is taken for a role (that is how
// information_schema shows roles). Dropping a database does not revoke the
// grants on it (they would come back with a database of the same name), so
// drop revokes them first.
//
// Limit (measured): MariaDB checks every column an INVOKER view names
// against the invoker, whether the query uses it or not, so a user granted
// SELECT on only some of a table's columns cannot use the table's view at
// all (error 1356), though it reads those columns of the table itself.
// It needs SELECT on every column the version shows.
#pragma once

#include <string>

#include "versions/version_schema.h"

namespace zs::versions {

// "zeroshift version of database `app`": the comment that marks a version
// database as zeroshift's (and says what it is to whoever lists databases).
std::string MariadbVersionComment(const std::string& base_database);
// What every such comment starts with: what drop checks.
inline constexpr const char* kMariadbVersionCommentPrefix = "zeroshift version of database ";

// "<database>_<name>" (name: the version_schema override or the migration's
// name), or, past MariaDB's 64 characters, its first bytes, '_' and a hash of
// the whole name: deterministic, so every run names the same database.
std::string MariadbVersionDatabaseName(const std::string& database,
                                       const std::string& migration_name,
                                       const std::string& version_schema_override);

const VersionSql& MariadbVersions();

}  // namespace zs::versions
