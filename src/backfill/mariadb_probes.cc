#include "backfill/mariadb_probes.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace zs::backfill {

namespace {

// INNODB_TRX.trx_started is in the server's system time zone, not the
// session's (pinned to +00:00): each probe compares it with NOW() there.
constexpr char kMariadbProbeSystemTime[] = "SET STATEMENT time_zone = 'SYSTEM' FOR ";

// Transactions of client sessions (thread id 0: recovered or background
// ones, which no KILL ends) open longer than {0} ms, other than ours.
constexpr char kMariadbLongTransactions[] =
    "t.trx_mysql_thread_id > 0 AND t.trx_mysql_thread_id <> CONNECTION_ID() AND {0} > 0 AND "
    "t.trx_started < NOW(6) - INTERVAL {0} * 1000 MICROSECOND";

// Metadata lock waits by a statement that names the table (PROCESSLIST says
// what a session waits for, not on which table; a name contained in
// another's over-counts, which only slows the backfill).
constexpr char kMariadbMetadataWaitersQuery[] =
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
    "AND STATE = 'Waiting for table metadata lock' AND LOCATE({}, INFO) > 0";

// InnoDB row lock waits on the table, and the long transactions.
constexpr char kMariadbInnodbQuery[] =
    "SELECT (SELECT COUNT(DISTINCT w.requesting_trx_id) FROM information_schema.INNODB_LOCK_WAITS "
    "w JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id "
    "WHERE l.lock_table = {relation}), "
    "(SELECT COUNT(*) FROM information_schema.INNODB_TRX t WHERE {long})";

// The server refreshes its INNODB_TRX / INNODB_LOCK* cache only when nobody
// has read it for 0.1 s: read more often, and it never changes again. So
// they are read at most this often, and the sample in between reuses the
// last reading.
constexpr std::chrono::milliseconds kMariadbInnodbReadInterval{150};

constexpr char kMariadbOldestQuery[] =
    "SELECT t.trx_mysql_thread_id, COALESCE(p.USER, ''), COALESCE(p.HOST, ''), "
    "COALESCE(p.COMMAND, ''), TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1000, "
    "LEFT(REGEXP_REPLACE(COALESCE(p.INFO, t.trx_query, ''), '\\\\s+', ' '), 100) "
    "FROM information_schema.INNODB_TRX t "
    "LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
    "WHERE {long} ORDER BY t.trx_started LIMIT 1";

std::string MariadbProbeReplicaName(const std::string& url) {
  auto params = mysql::ParseUrl(url);
  if (!params.ok()) return "a replica URL that does not parse";
  if (!params->socket.empty()) return "replica at socket " + params->socket;
  return fmt::format("replica {}:{}", params->host, params->port);
}

Result<std::optional<BlockingSession>> MariadbProbeOldestTransaction(
    mysql::Connection& conn, const std::string& long_condition) {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn.Exec(kMariadbProbeSystemTime +
                                                  fmt::format(kMariadbOldestQuery,
                                                              fmt::arg("long", long_condition))));
  if (rows.empty()) return std::optional<BlockingSession>();
  std::string command = rows.Get(0, 3);
  return std::optional<BlockingSession>(
      BlockingSession{.pid = rows.GetInt(0, 0),
                      .user = rows.Get(0, 1),
                      .application_name = "",
                      .client = rows.Get(0, 2),
                      // A session between statements of its transaction shows as Sleep.
                      .state = command == "Sleep" ? "idle in transaction" : command,
                      .xact_age_ms = std::stod(rows.Get(0, 4)),
                      .query = rows.Get(0, 5),
                      .end_statement = fmt::format("KILL {}", rows.GetInt(0, 0)),
                      .holds_back = "purge"});
}

}  // namespace

MariadbProbes::MariadbProbes(std::vector<std::string> replica_urls) {
  for (auto& url : replica_urls) {
    std::string name = MariadbProbeReplicaName(url);
    replicas_.push_back({.url = std::move(url), .name = std::move(name), .conn = std::nullopt});
  }
}

MariadbProbes::~MariadbProbes() = default;
MariadbProbes::MariadbProbes(MariadbProbes&&) noexcept = default;

Result<PressureSample> MariadbProbes::Probe(mysql::Connection& conn, const std::string& schema,
                                            const std::string& table,
                                            const PressureThresholds& thresholds) {
  std::string long_condition =
      fmt::format(kMariadbLongTransactions, thresholds.max_xact_age.count());
  ZS_ASSIGN_OR_RETURN(mysql::Rows waiters, conn.Exec(fmt::format(kMariadbMetadataWaitersQuery,
                                                                 mysql::QuoteLiteral(table))));
  auto now = std::chrono::steady_clock::now();
  if (!innodb_ || now - innodb_read_at_ >= kMariadbInnodbReadInterval) {
    std::string relation =
        mysql::QuoteLiteral(mysql::QuoteIdentifier(schema) + "." + mysql::QuoteIdentifier(table));
    ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                        conn.Exec(kMariadbProbeSystemTime +
                                  fmt::format(kMariadbInnodbQuery, fmt::arg("relation", relation),
                                              fmt::arg("long", long_condition))));
    innodb_ =
        PressureSample{.lock_waiters = rows.GetInt(0, 0), .long_transactions = rows.GetInt(0, 1)};
    // A second round trip only under pressure: the user needs to know whom to end.
    if (innodb_->long_transactions > 0) {
      ZS_ASSIGN_OR_RETURN(innodb_->oldest_transaction,
                          MariadbProbeOldestTransaction(conn, long_condition));
    }
    innodb_read_at_ = std::chrono::steady_clock::now();
  }
  PressureSample sample = *innodb_;
  sample.lock_waiters += waiters.GetInt(0, 0);
  for (Replica& replica : replicas_) ZS_RETURN_IF_ERROR(ProbeReplica(replica, sample));
  return sample;
}

Status MariadbProbes::ProbeReplica(Replica& replica, PressureSample& sample) {
  if (!replica.conn) {
    auto conn = mysql::Connection::Open(replica.url);
    if (!conn.ok()) {
      return conn.status().WithContext(
          fmt::format("probing the lag of {} for the backfill", replica.name));
    }
    replica.conn = std::move(*conn);
  }
  auto rows = replica.conn->Exec("SHOW ALL REPLICAS STATUS");
  if (!rows.ok()) {
    replica.conn.reset();  // reconnect next time
    return rows.status().WithContext(
        fmt::format("probing the lag of {} for the backfill", replica.name));
  }
  if (rows->empty()) {
    return InvalidInput(fmt::format(
        "{} replicates from nothing (SHOW ALL REPLICAS STATUS is empty), so its lag says "
        "nothing; remove it from the backfill's replica URLs",
        replica.name));
  }
  int connection = rows->ColumnIndex("Connection_name");
  int seconds = rows->ColumnIndex("Seconds_Behind_Master");
  if (seconds < 0) return Internal("SHOW ALL REPLICAS STATUS has no Seconds_Behind_Master");
  for (int i = 0; i < rows->size(); ++i) {
    ++sample.standbys;
    // A multi-source replica has one row per connection: name it too.
    std::string channel = connection < 0 ? "" : rows->Get(i, connection);
    std::string name = channel.empty() ? replica.name
                                       : fmt::format("{} (connection {})", replica.name,
                                                     mysql::QuoteLiteral(channel));
    if (rows->IsNull(i, seconds)) {
      sample.stopped_replicas.push_back(std::move(name));
      continue;
    }
    double lag_ms = static_cast<double>(rows->GetInt(i, seconds)) * 1000;
    // The throttle's reason names the replica the largest lag was read on
    // (no name yet: no lag read yet, the maximum is 0).
    if (sample.replay_lag_standby.empty() || lag_ms > sample.max_replay_lag_ms) {
      sample.max_replay_lag_ms = lag_ms;
      sample.replay_lag_standby = std::move(name);
    }
  }
  return Status::Ok();
}

}  // namespace zs::backfill
