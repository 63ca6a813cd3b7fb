#include "pg/session.h"

#include <memory>
#include <vector>

#include "pg/quote.h"

namespace zs::pg {

std::string PinnedSearchPath(const std::string& schema) {
  if (schema.empty() || schema == "pg_catalog") return "pg_catalog, pg_temp";
  // pg_catalog unlisted is searched first, before the schema; listed first
  // it would also become where unqualified CREATEs go.
  return QuoteIdent(schema) + ", pg_temp";
}

Status PinSearchPath(Connection& conn, const std::string& search_path) {
  return conn.RunParams("SELECT pg_catalog.set_config('search_path', $1, false)", {search_path})
      .WithContext("pinning search_path");
}

Result<SessionPins> ReadSessionPins(Connection& conn) {
  ZS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT pg_catalog.current_setting('application_name'), "
                                           "pg_catalog.current_setting('lock_timeout'), "
                                           "pg_catalog.current_setting('statement_timeout'), "
                                           "pg_catalog.current_setting('search_path')"));
  if (rows.empty()) return Internal("reading the session's settings returned no row");
  return SessionPins{.application_name = rows.Get(0, 0),
                     .lock_timeout = rows.Get(0, 1),
                     .statement_timeout = rows.Get(0, 2),
                     .search_path = rows.Get(0, 3)};
}

Status RestoreSession(Connection& conn, const SessionPins& pins) {
  if (conn.InTransaction()) return Internal("RestoreSession inside a transaction");
  // RESET ALL leaves role and session_authorization alone: they go first, so
  // that RESET ALL and what follows run as the role that connected.
  ZS_RETURN_IF_ERROR(conn.Run("RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL")
                         .WithContext("resetting the session after user SQL"));
  return conn
      .RunParams(
          "SELECT pg_catalog.set_config('application_name', $1, false), "
          "pg_catalog.set_config('lock_timeout', $2, false), "
          "pg_catalog.set_config('statement_timeout', $3, false), "
          "pg_catalog.set_config('search_path', $4, false), "
          "pg_catalog.set_config('standard_conforming_strings', 'on', false), "
          "pg_catalog.set_config('client_min_messages', 'warning', false)",
          {pins.application_name, pins.lock_timeout, pins.statement_timeout, pins.search_path})
      .WithContext("pinning the session's settings again after user SQL");
}

namespace {

// 'value' for a key=value conninfo string.
std::string ConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

Result<Connection> OpenSibling(const Connection& conn, const std::string& application_name,
                               const std::string& search_path) {
  if (conn.raw() == nullptr) return Internal("OpenSibling on a moved-from Connection");
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfo(conn.raw()),
                                                                         PQconninfoFree);
  if (!options) return Status(Code::kDatabase, "out of memory reading the connection's parameters");
  std::string conninfo;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    if (std::string(option->keyword) == "application_name") continue;
    conninfo += std::string(conninfo.empty() ? "" : " ") + option->keyword + "=" +
                ConninfoValue(option->val);
  }
  // Open masks the password of `conninfo` in any message.
  ZS_ASSIGN_OR_RETURN(Connection sibling,
                      Connection::Open(conninfo, {.application_name = application_name}));
  ZS_RETURN_IF_ERROR(PinSearchPath(sibling, search_path));
  return sibling;
}

}  // namespace zs::pg
