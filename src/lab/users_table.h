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

// Drops `database` if it exists (ending its sessions: PostgreSQL 13+), creates it
// empty from template0 and returns its conninfo. Needs the CREATEDB privilege.
Result<std::string> RecreateDatabase(const std::string& admin_conninfo,
                                     const std::string& database);
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
