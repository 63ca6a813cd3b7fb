// Crash points for the fault-injection suite (engine/fault_injection_test.cc).
//
// ZS_FAULT_AT="<command>:<k>" makes the process die by SIGKILL at the k-th
// (1-based) boundary of `command` ("start", "complete", "rollback",
// "backfill"): right after the k-th action (or backfill batch) committed, as a
// kill -9 or a power cut would. Unset, each call costs one getenv at startup.
#pragma once

#include <string_view>

namespace zs::engine {

// Counts a boundary of `command` and crashes there when ZS_FAULT_AT names it.
void FaultPoint(std::string_view command);

}  // namespace zs::engine
