// Connection poolers between a client and PostgreSQL (PgBouncer and its
// kind): whether zeroshift's own connection keeps one server session, and the
// pool configuration that lets applications select a version through a
// transaction pooler.
//
// Detection, and why it is reliable:
// - Direct or not. A pooler answers the client's startup itself and sends its
//   own BackendKeyData (PgBouncer: a random cancel key), so libpq's
//   PQbackendPID() differs from the pg_backend_pid() the server reports; on a
//   direct connection (or through a TCP proxy, which keeps the session) they
//   are the same. One query, and no false "pooled" on a direct connection.
// - Session or transaction pooling. In session pooling the server process is
//   the client's until it disconnects: its pid never changes between
//   statements and no other client is ever given it. In transaction pooling
//   it goes back to the pool at every transaction end, LIFO by default
//   (PgBouncer's server_round_robin = 0), so a second client that begins a
//   transaction right after ours gets our server process, or, if it got
//   another one, ours is given a different one next. The probe repeats that
//   check a few times with a second connection; any shared or changed pid
//   proves transaction (or statement) pooling, and none can happen in session
//   pooling, so a session pooler is never refused.
// PgBouncer does not say which mode it runs in (no ParameterStatus for it, and
// its maintainers declined to add one: pgbouncer/pgbouncer#653, #249).
#pragma once

#include <libpq-fe.h>

#include <string>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::pg {

enum class Pooling {
  kNone,         // a direct connection: one server session, ours
  kSession,      // a pooler that gives us one server session until we disconnect
  kTransaction,  // a pooler that hands the server session to others between transactions
};

struct PoolingFinding {
  Pooling pooling = Pooling::kNone;
  std::string evidence;  // what was observed, for messages
};

// Probes the open connection `conn` (idle, not in a transaction); `conninfo`
// opens the second connection the session/transaction probe needs (it sets
// nothing, so a pooled server session keeps no trace of it).
Result<PoolingFinding> DetectPooling(PGconn* conn, const std::string& conninfo);

// Fails when `conninfo` goes through a transaction (or statement) pooler,
// with a message that says to connect zeroshift directly: its advisory lock
// and session settings (lock_timeout, statement_timeout, search_path) would be
// left on a server session other clients then use.
Status RequireOwnSession(const std::string& conninfo);

// zeroshift's own session: RequireOwnSession, then Connection::Open. The
// probe runs on connections of its own, which set nothing, so a refused
// pooler's server sessions keep no trace of zeroshift.
Result<Connection> OpenOwnSession(const std::string& conninfo, const SessionSettings& settings);

// Applications through a transaction pooler: one pool per version, whose
// server connections set search_path once, when they connect (PgBouncer's
// per-database connect_query), so a client selects its version by database
// name and no client runs SET. The pool's name for `version_schema`, derived
// from the database name: "<database>_<version_schema>".
std::string VersionPoolName(const std::string& database, const std::string& version_schema);

// The pgbouncer.ini [databases] line of that pool, pointing at the server
// `conn` is connected to (its host, port and database): e.g.
//   app_public_02_split_name = host=db port=5432 dbname=app pool_mode=transaction
//       connect_query='SET search_path TO public_02_split_name, public'
// pool_mode=transaction is part of it: a session pool's server_reset_query
// (DISCARD ALL) would reset search_path when a client leaves.
std::string PgBouncerVersionPool(const Connection& conn, const std::string& version_schema,
                                 const std::string& schema);

// What `start` prints for applications behind a transaction pooler: the pool
// lines of `old_version` ("" when old clients use the raw tables: they need
// no pool of their own) and `new_version`, and which database each side
// connects to.
std::string TransactionPoolerAdvice(const Connection& conn, const std::string& schema,
                                    const std::string& old_version, const std::string& new_version);

}  // namespace zs::pg
