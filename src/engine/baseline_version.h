// The baseline version: a version schema of views over the tables as they
// are before the first migration, so that the clients that were there before
// it keep a shape that never changes (SAFETY.md invariant 2). The raw tables
// change shape at start (temporary columns) and at rollback (they go), which
// breaks a prepared `SELECT *` ("cached plan must not change result type").
// The first migration keeps the baseline version as its previous version and
// drops it when it completes, like any previous version. It is recorded in
// zeroshift.baseline_versions so that nothing else (doctor) drops it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "backend/backend.h"
#include "core/status.h"
#include "pg/connection.h"
#include "pg/ddl_runner.h"

namespace zs::engine {

// Creates schema "<schema>_<name>" with one view per table of `schema` in its
// current shape, and records it, in one transaction. Takes the schema's
// advisory lock. Does nothing but say (through `log`) what old clients should
// use when a migration is active or was completed since, a baseline version
// exists already, or the schema has no table. Refuses a name that is taken.
Status CreateBaselineVersion(backend::Session& session, const std::string& schema,
                             const std::string& name, const pg::RetryPolicy& retry,
                             const std::function<void(const std::string&)>& log);

// The recorded baseline version of `schema` while no migration started after
// it has completed (that complete dropped it); nullopt otherwise.
Result<std::optional<std::string>> BaselineVersionSchema(backend::Session& session,
                                                         const std::string& schema);

// The version migration `name` keeps for old clients and drops at complete:
// the latest completed version, else the baseline version; "" when there is
// none (old clients use the raw tables).
Result<std::string> PreviousVersionSchema(backend::Session& session, const std::string& schema,
                                          const std::string& name);

// The version old clients keep while the active migration runs, or, with
// none active, the one the next migration keeps for them; "" for the tables.
Result<std::string> OldVersionSchema(backend::Session& session, const std::string& schema);

}  // namespace zs::engine
