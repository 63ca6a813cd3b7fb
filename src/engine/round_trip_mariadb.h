// The round trip of `up` / `down` on MariaDB (round_trip.h says what is
// checked): sample rows of the table, each `up` evaluated in MariaDB's SQL
// over its variables (bound to the row's columns, or to what an earlier `up`
// filled), then each `down` that reads an `up`'s result over those values,
// compared with the row's column as the column stores values (engine_verify_
// mariadb.h: byte-exact for strings, cast for numbers and times). In a READ
// ONLY transaction that is rolled back; each statement bounded by
// max_statement_time. Names resolve in the session's database, which is the
// migration's (see resolve.h).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "engine/round_trip.h"
#include "mysql/connection.h"

namespace zs::engine {

Result<std::vector<std::string>> MariadbCheckRoundTrips(
    mysql::Connection& conn, const std::vector<triggers::TriggerSpec>& specs,
    const std::vector<schema::Schema>& snapshots, const RoundTripOptions& options);

}  // namespace zs::engine
