// What zeroshift keeps about its own sessions beyond opening them: a pinned
// search_path, the session state user SQL may leave behind, a second
// connection with the same parameters, and the redaction of libpq messages
// that quote pieces of the connection string.
#pragma once

#include <string>

#include "core/status.h"
#include "pg/connection.h"

namespace zs::pg {

// "<schema>, pg_temp", which PostgreSQL searches as pg_catalog (implicitly
// first), the migrated schema (where the user's own SQL, `sql` operations,
// types and defaults, expects to find and create its objects), then
// temporary objects (last, so they cannot shadow anything). No other schema:
// no "$user", no public unless it is the migrated one.
std::string PinnedSearchPath(const std::string& schema);

// Sets the session's search_path (for zeroshift's own sessions).
Status PinSearchPath(Connection& conn, const std::string& search_path);

// The settings zeroshift pins on a session, as they are now.
struct SessionPins {
  std::string application_name, lock_timeout, statement_timeout, search_path;
};
Result<SessionPins> ReadSessionPins(Connection& conn);

// Undoes whatever session state statements left (any SET, SET ROLE, SET
// SESSION AUTHORIZATION) and puts `pins` back. REQUIRES: not in a transaction.
// Run after user SQL, so that its settings (session_replication_role =
// replica would make the backfill's updates fire no trigger) cannot reach
// zeroshift's own statements.
Status RestoreSession(Connection& conn, const SessionPins& pins);

// A new connection with the parameters `conn` was opened with (server,
// database, user, password), with `search_path` pinned.
Result<Connection> OpenSibling(const Connection& conn, const std::string& application_name,
                               const std::string& search_path);

// `message` (from libpq, or anything that may quote parts of `conninfo`) with
// every piece of every password in `conninfo` masked: libpq echoes the tokens
// it cannot parse ("invalid percent-encoded token: ..."), whole malformed
// URLs, and, when a password holds an unencoded '@', '/' or '?', the pieces it
// took for a host, port or database name.
std::string RedactSecrets(const std::string& message, const std::string& conninfo);

}  // namespace zs::pg
