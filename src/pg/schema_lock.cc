#include "pg/schema_lock.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace zs::pg {

std::string AdvisoryLockHolder::Describe() const {
  std::string out = fmt::format("server pid {}", pid);
  std::string details;
  if (!application_name.empty())
    details += fmt::format("application_name \"{}\"", application_name);
  if (!client.empty()) details += fmt::format("{}from {}", details.empty() ? "" : ", ", client);
  if (!backend_start.empty()) {
    details += fmt::format("{}connected at {}", details.empty() ? "" : ", ", backend_start);
  }
  return details.empty() ? out : out + " (" + details + ")";
}

Result<std::optional<AdvisoryLockHolder>> FindSchemaLockHolder(Connection& conn,
                                                               const std::string& schema) {
  // A one-key advisory lock shows its bigint key split into classid (high
  // half) and objid (low half). pg_stat_activity shows other roles' sessions
  // without their query to a role that is not a member of theirs: only the
  // columns every role may read are used.
  ZS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.ExecParams(
          "SELECT l.pid, coalesce(a.application_name, ''), "
          "coalesce(host(a.client_addr) || ':' || a.client_port, CASE WHEN a.pid IS NOT NULL "
          "THEN 'local socket' END, ''), coalesce(date_trunc('second', a.backend_start)::text, "
          "'') FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
          "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
          "AND l.pid <> pg_backend_pid() "
          "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
          "AND ((l.classid::bigint << 32) | l.objid::bigint) = "
          "hashtext('zeroshift:' || $1)::bigint LIMIT 1",
          {schema}));
  if (rows.empty()) return std::optional<AdvisoryLockHolder>();
  return std::optional<AdvisoryLockHolder>(
      AdvisoryLockHolder{.pid = static_cast<int>(rows.GetInt(0, 0)),
                         .application_name = rows.Get(0, 1),
                         .client = rows.Get(0, 2),
                         .backend_start = rows.Get(0, 3)});
}

Status AcquireSchemaLock(Connection& conn, const std::string& schema) {
  // A zeroshift process that has just exited still holds the lock until its
  // backend has finished exiting, which PQfinish does not wait for: so the
  // next command, run right after it, tries for a moment before refusing.
  constexpr int kAttempts = 10;
  constexpr std::chrono::milliseconds kPause{50};
  bool acquired = false;
  for (int attempt = 0; attempt < kAttempts && !acquired; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kPause);
    ZS_ASSIGN_OR_RETURN(
        Rows rows,
        conn.ExecParams("SELECT pg_try_advisory_lock(hashtext('zeroshift:' || $1))", {schema}));
    acquired = rows.GetBool(0, 0);
  }
  if (!acquired) {
    ZS_ASSIGN_OR_RETURN(std::optional<AdvisoryLockHolder> holder,
                        FindSchemaLockHolder(conn, schema));
    return Conflict(fmt::format(
        "another zeroshift process is working on schema \"{}\": its connection, {}, holds "
        "the schema's advisory lock. Wait for it to finish (`zeroshift status` shows its "
        "progress), or stop it with Ctrl-C where it runs (or kill -INT / -TERM its process): "
        "a backfill stops after its current batch and can be resumed or rolled back; then run "
        "this command again",
        schema, holder ? holder->Describe() : "which has just let it go"));
  }
  return Status::Ok();
}

}  // namespace zs::pg
