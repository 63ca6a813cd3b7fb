// The ordinary sessions' triggers of a table on PostgreSQL (postgres_dual_write.h
// has the first, TableTriggerName, and the function all three run).
//
// TableTriggerName's trigger fires only in replica mode (ENABLE REPLICA),
// with the WHEN that lets the backfill's batches skip it
// (postgres_dual_write_step_aside.h). The other two fire in the other roles
// (origin, local: every ordinary client): OriginInsertTriggerName's for
// INSERT, without a WHEN (PostgreSQL parses and compiles a WHEN again for
// every statement); OriginTriggerName's for UPDATE, with a short WHEN that
// skips the function for a row whose dual-written columns the UPDATE left
// byte for byte as they were (UpdateSkipCondition in postgres_dual_write.cc),
// when the expressions read nothing else. One of the three fires for any
// write; CreateTableTriggerSql creates all three and DropTableTriggerSql drops
// them (and a twin from before the INSERT trigger was split off).
#pragma once

#include <string>

namespace zs::triggers {

// "~zs_<schema>_<table>_dual_write_o" (shortened with a hash past 63 bytes):
// the ordinary sessions' UPDATE trigger (an INSERT one too, from zeroshift
// before the split); it sorts after TableTriggerName, so after the user's
// BEFORE triggers too.
std::string OriginTriggerName(const std::string& schema, const std::string& table);

// "~zs_<schema>_<table>_dual_write_i" (shortened with a hash past 63 bytes):
// the ordinary sessions' INSERT trigger; it sorts after TableTriggerName too.
std::string OriginInsertTriggerName(const std::string& schema, const std::string& table);

}  // namespace zs::triggers
