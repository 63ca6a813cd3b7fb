// The second trigger of a table on PostgreSQL (postgres_dual_write.h has the
// first, TableTriggerName, and the function both run).
//
// TableTriggerName's trigger fires only in replica mode (ENABLE REPLICA),
// with the WHEN that lets the backfill's batches skip it
// (postgres_dual_write_step_aside.h). OriginTriggerName's fires in the other
// roles (origin, local: every ordinary client), without a WHEN, which
// PostgreSQL would parse and compile again for every statement. One of the
// two fires for any write; CreateTableTriggerSql creates both and
// DropTableTriggerSql drops both.
#pragma once

#include <string>

namespace zs::triggers {

// "~zs_<schema>_<table>_dual_write_o" (shortened with a hash past 63 bytes):
// it sorts right after TableTriggerName, so after the user's BEFORE triggers
// too.
std::string OriginTriggerName(const std::string& schema, const std::string& table);

}  // namespace zs::triggers
