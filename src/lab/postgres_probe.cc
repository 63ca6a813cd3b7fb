#include "lab/postgres_probe.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "lab/users_table.h"
#include "pg/connection.h"
#include "pg/quote.h"

namespace zs::lab {

namespace {

// The checkpointer's counters: pg_stat_checkpointer from PostgreSQL 17,
// pg_stat_bgwriter before.
std::string ProbeCheckpointCounters(int server_version) {
  if (server_version >= 170000) {
    return "SELECT 'checkpoint', '', (num_timed + num_requested)::text || '/' || "
           "buffers_written::text, 0::bigint, 0::float8 FROM pg_stat_checkpointer";
  }
  return "SELECT 'checkpoint', '', (checkpoints_timed + checkpoints_req)::text || '/' || "
         "buffers_checkpoint::text, 0::bigint, 0::float8 FROM pg_stat_bgwriter";
}

// One statement per sample (prepared once): kind, who, what, sessions, and
// for the clients' lock waits the longest one's time in its statement. Idle
// sessions, idle background processes (wait_event_type 'Activity') and the
// sampler's own session are left out.
std::string ProbeStatement(int server_version) {
  return fmt::format(
      R"(PREPARE zs_lab_sample AS
WITH s AS (
  SELECT CASE WHEN application_name = {0} THEN 'client'
              WHEN application_name LIKE 'zeroshift%' THEN 'zeroshift'
              WHEN backend_type = 'client backend' THEN 'other session'
              ELSE backend_type END AS who,
         CASE WHEN state LIKE 'idle in transaction%' THEN 'idle in transaction'
              WHEN wait_event_type IS NULL THEN 'CPU'
              ELSE wait_event_type || ':' || wait_event END AS what,
         application_name = {0} AND wait_event_type = 'Lock' AS lock_wait,
         extract(epoch FROM clock_timestamp() - query_start) * 1000 AS ms
    FROM pg_stat_activity
   WHERE pid <> pg_backend_pid()
     AND (datname = current_database() OR datname IS NULL)
     AND (state IS NULL OR state <> 'idle')
     AND wait_event_type IS DISTINCT FROM 'Activity')
SELECT CASE WHEN bool_or(lock_wait) THEN 'lock' ELSE 'session' END, who, what, count(*),
       coalesce(max(ms) FILTER (WHERE lock_wait), 0)::float8
  FROM s GROUP BY who, what
UNION ALL
SELECT 'vacuum',
       CASE WHEN a.backend_type = 'autovacuum worker' THEN 'autovacuum' ELSE 'VACUUM' END
         || ' on ' || coalesce(c.relname::text, p.relid::text), p.phase, 1::bigint, 0::float8
  FROM pg_stat_progress_vacuum p
  LEFT JOIN pg_class c ON c.oid = p.relid
  LEFT JOIN pg_stat_activity a ON a.pid = p.pid
 WHERE p.datname = current_database()
UNION ALL
{1})",
      pg::QuoteLiteral(kClientApplicationName), ProbeCheckpointCounters(server_version));
}

// "2 clients waiting on Lock:transactionid", "autovacuum worker running (no
// wait event)", "zeroshift idle in transaction".
std::string ProbeSessionLine(const std::string& who, const std::string& what, long long n) {
  std::string subject = who == "client" ? (n == 1 ? "1 client" : fmt::format("{} clients", n))
                        : n == 1        ? who
                                        : fmt::format("{} {} sessions", n, who);
  if (what == "CPU") return subject + " running (no wait event)";
  if (what == "idle in transaction") return subject + " idle in transaction";
  return subject + " waiting on " + what;
}

struct ProbeState {
  explicit ProbeState(pg::Connection c) : conn(std::move(c)) {}
  pg::Connection conn;
  std::optional<std::string> checkpoint_counters;  // the previous sample's
};

Result<LockProbe> ProbeOnce(ProbeState& state) {
  ZS_ASSIGN_OR_RETURN(pg::Rows rows, state.conn.Exec("EXECUTE zs_lab_sample"));
  LockProbe probe;
  bool checkpoint = false;
  for (int i = 0; i < rows.size(); ++i) {
    std::string kind = rows.Get(i, 0);
    std::string who = rows.Get(i, 1);
    std::string what = rows.Get(i, 2);
    long long n = rows.GetInt(i, 3);
    if (kind == "checkpoint") {
      checkpoint |= state.checkpoint_counters.has_value() && *state.checkpoint_counters != what;
      state.checkpoint_counters = what;
    } else if (kind == "vacuum") {
      probe.seen.push_back(fmt::format("{} ({})", who, what));
    } else if (who == "checkpointer") {
      checkpoint = true;  // it waits on 'Activity' only between checkpoints
    } else {
      if (kind == "lock") {
        probe.waiting += static_cast<int>(n);
        probe.longest_ms = std::max(probe.longest_ms, std::stod(rows.Get(i, 4)));
      }
      if (who == "client" && what != "CPU" && what != "idle in transaction") {
        probe.client_waited = true;
      }
      probe.seen.push_back(ProbeSessionLine(who, what, n));
    }
  }
  if (checkpoint) probe.seen.push_back("checkpoint running");
  return probe;
}

}  // namespace

Result<std::function<Result<LockProbe>()>> OpenPostgresServerProbe(const std::string& url) {
  ZS_ASSIGN_OR_RETURN(pg::Connection conn,
                      pg::Connection::Open(url, {.application_name = kSamplerApplicationName}));
  ZS_RETURN_IF_ERROR(conn.Run(ProbeStatement(conn.ServerVersion())));
  auto state = std::make_shared<ProbeState>(std::move(conn));
  return std::function<Result<LockProbe>()>([state] { return ProbeOnce(*state); });
}

}  // namespace zs::lab
