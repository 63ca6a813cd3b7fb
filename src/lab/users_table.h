// The lab's database and its `users` table. Every run gets a database of its
// own on the server (so the user's tables are never touched and each scenario
// starts from a freshly loaded table), dropped again when the run ends.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::lab {

// application_name of the workload's connections (pg_stat_activity filters on it).
inline constexpr const char* kClientApplicationName = "zeroshift-lab-client";

// `conninfo` (URL or key=value, "" for the PG* variables) pointing at `database` instead.
Result<std::string> WithDatabase(const std::string& conninfo, const std::string& database);

// The comment the lab puts on every database it creates. The lab drops a
// database only when it carries this comment: pointed at a real server, it
// never drops one of the user's, whatever its name.
inline constexpr const char* kLabDatabaseMarker =
    "zeroshift lab: created by `zeroshift lab` for one run, dropped when the run ends";

// `prefix` and a random suffix ("zeroshift_lab_3f9c2a71"): a name of the lab's
// own, so a database the user already has under `prefix` is never in its way.
std::string UniqueDatabaseName(const std::string& prefix);

// Drops `database` if it exists and is the lab's (see DropDatabase), creates
// it empty from template0, marks it with kLabDatabaseMarker and returns its
// conninfo. Needs the CREATEDB privilege.
Result<std::string> RecreateDatabase(const std::string& admin_conninfo,
                                     const std::string& database);
// Drops `database` (ending its sessions: PostgreSQL 13+) when it carries
// kLabDatabaseMarker; nothing when it does not exist; kConflict, leaving it
// alone, when it exists without the marker.
Status DropDatabase(const std::string& admin_conninfo, const std::string& database);

// Creates users(id bigserial primary key, name text not null, email, created_at)
// and loads `rows` rows ("Alice Smith", alice.smith1@example.com) with
// INSERT ... SELECT generate_series in chunks of a million, one transaction
// each, then adds the primary key and analyzes. `progress` gets rows loaded.
Status LoadUsers(pg::Connection& conn, long long rows,
                 const std::function<void(long long loaded)>& progress = {});

// The first `limit` rows of public.users by id, every column in table order:
// {"columns": [...], "rows": [[...], ...]}.
Result<nlohmann::json> FirstRows(pg::Connection& conn, int limit);

// The major.minor version of the server, e.g. "15.4".
Result<std::string> ServerVersion(pg::Connection& conn);

}  // namespace zs::lab
