// The advisory lock that keeps two zeroshift processes off one schema: a
// session-level pg_try_advisory_lock on hashtext('zeroshift:' || schema),
// held until the connection closes. One implementation, used by the state
// store and by the backend's Session, so the key cannot drift between them.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::pg {

// The session holding a schema's advisory lock: the zeroshift command at work.
struct AdvisoryLockHolder {
  int pid = 0;  // the server process of its connection (pg_stat_activity.pid)
  std::string application_name;
  std::string client;  // "10.0.0.5:51234", or "local socket"
  std::string backend_start;
  // "server pid 4242 (application_name "zeroshift", from local socket, connected at ...)"
  std::string Describe() const;
};

// Takes the lock; kConflict naming the holder and what to do when another
// session holds it.
Status AcquireSchemaLock(Connection& conn, const std::string& schema);
// The other session holding that lock, if any: a runner whose process has
// gone holds nothing (the server drops a session lock with the connection).
Result<std::optional<AdvisoryLockHolder>> FindSchemaLockHolder(Connection& conn,
                                                               const std::string& schema);

}  // namespace zs::pg
