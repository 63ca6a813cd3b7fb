// The baseline version on MariaDB (baseline_version.h says what it is for):
// a version database `<database>_<name>` (versions::MariadbVersionDatabaseName)
// of SQL SECURITY INVOKER views over the tables as they are, created through
// versions::VersionSqlFor, so it carries the comment that marks it as
// zeroshift's (versions/mariadb_version_schema.h) and the tables' grants. It
// is recorded in the state database's `baseline_versions` table (created on
// first use, like PostgreSQL's zeroshift.baseline_versions).
//
// MariaDB's DDL commits implicitly, so the database, its views and the record
// cannot commit together: each statement is safe to repeat (CREATE DATABASE
// IF NOT EXISTS after a check of the comment, CREATE OR REPLACE VIEW, an
// upsert of the record), and a database of that name that carries
// zeroshift's comment for this database is taken for one a run interrupted
// before its record: the run goes on. One without the comment is the user's:
// refused.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/ddl_runner.h"

namespace zs::engine {

Status MariadbCreateBaselineVersion(backend::Session& session, const std::string& schema,
                                    const std::string& name, const pg::RetryPolicy& retry,
                                    const std::function<void(const std::string&)>& log);

Result<std::optional<std::string>> MariadbBaselineVersionSchema(backend::Session& session,
                                                                const std::string& schema);

}  // namespace zs::engine
