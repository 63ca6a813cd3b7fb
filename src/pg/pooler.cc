#include "pg/pooler.h"

#include <cctype>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "pg/connection.h"
#include "pg/quote.h"
#include "pg/session.h"

namespace zs::pg {

namespace {

// Rounds of the second-connection probe: one settles it on an idle pool;
// the others cover a busy pool, where another client may take our server
// process between two of our statements.
constexpr int kPoolingProbeRounds = 3;

using PoolerConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PoolerResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Runs `sql` on a raw connection; its single value ("" for none).
Result<std::string> PoolerValue(PGconn* conn, const char* sql) {
  PoolerResult result(PQexec(conn, sql));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    // A FATAL error that closes the connection (PgBouncer's "transaction blocks not
    // allowed in statement pooling mode") may be the connection's message only.
    std::string message = result ? PQresultErrorMessage(result.get()) : "";
    std::string connection_message = PQerrorMessage(conn);
    if (message.find(connection_message) == std::string::npos) message += connection_message;
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back())))
      message.pop_back();
    return Status(Code::kDatabase, message);
  }
  if (status != PGRES_TUPLES_OK || PQntuples(result.get()) == 0) return std::string();
  return std::string(PQgetvalue(result.get(), 0, 0));
}

Result<int> ServerPid(PGconn* conn) {
  ZS_ASSIGN_OR_RETURN(std::string pid, PoolerValue(conn, "SELECT pg_catalog.pg_backend_pid()"));
  return std::atoi(pid.c_str());
}

// One round: our pid, a second client inside a transaction, our pid again.
// Returns the evidence of shared sessions, "" when the round saw none.
Result<std::string> PoolingProbeRound(PGconn* ours, PGconn* other) {
  ZS_ASSIGN_OR_RETURN(int before, ServerPid(ours));
  Result<std::string> begun = PoolerValue(other, "BEGIN");
  if (!begun.ok()) {
    // PgBouncer in statement pooling refuses transaction blocks.
    if (begun.status().message().find("pooling mode") != std::string::npos) {
      return "the pooler refused a transaction block: " + begun.status().message();
    }
    return begun.status();
  }
  Result<int> theirs = ServerPid(other);
  Result<int> after = theirs.ok() ? ServerPid(ours) : Result<int>(theirs.status());
  (void)PoolerValue(other, "ROLLBACK");
  ZS_RETURN_IF_ERROR(after.status());
  if (*theirs == before) {
    return fmt::format("another client was given server process {} while this connection was idle",
                       before);
  }
  if (*after != before) {
    return fmt::format("the server process changed between two statements ({} then {})", before,
                       *after);
  }
  return std::string();
}

// search_path for a version: the version first, the schema after it (its
// functions, types and sequences), as `start` prints for `SET search_path`.
std::string VersionSearchPath(const std::string& version_schema, const std::string& schema) {
  return QuoteIdent(version_schema) + ", " + QuoteIdent(schema);
}

// A pgbouncer.ini database name: bare when it is [_0-9A-Za-z]+, else quoted
// like an SQL identifier.
std::string PgBouncerName(const std::string& name) {
  bool bare = !name.empty();
  for (char c : name) bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return bare ? name : QuoteIdent(name);
}

// A pgbouncer.ini connection-string value: bare when it has no space or
// quote, else in single quotes (doubled inside).
std::string PgBouncerValue(const std::string& value) {
  bool bare = !value.empty() && value.find_first_of(" '\"\\=") == std::string::npos;
  return bare ? value : QuoteLiteral(value);
}

}  // namespace

Result<PoolingFinding> DetectPooling(PGconn* conn, const std::string& conninfo) {
  ZS_ASSIGN_OR_RETURN(int server_pid, ServerPid(conn));
  if (server_pid == PQbackendPID(conn)) {
    return PoolingFinding{
        .pooling = Pooling::kNone,
        .evidence = fmt::format("server process {} is this connection's own", server_pid)};
  }
  PoolerConn other(PQconnectdb(conninfo.c_str()));
  if (!other || PQstatus(other.get()) != CONNECTION_OK) {
    std::string why = other ? PQerrorMessage(other.get()) : "out of memory";
    return Status(Code::kDatabase, "cannot open a second connection to check the pooler: " +
                                       RedactSecrets(why, conninfo));
  }
  for (int round = 0; round < kPoolingProbeRounds; ++round) {
    ZS_ASSIGN_OR_RETURN(std::string evidence, PoolingProbeRound(conn, other.get()));
    if (!evidence.empty()) {
      return PoolingFinding{.pooling = Pooling::kTransaction, .evidence = evidence};
    }
  }
  return PoolingFinding{
      .pooling = Pooling::kSession,
      .evidence = fmt::format("a pooler (cancel key pid {} is not server process {}) that kept "
                              "server process {} for this connection",
                              PQbackendPID(conn), server_pid, server_pid)};
}

Status RequireOwnSession(const std::string& conninfo) {
  PoolerConn probe(PQconnectdb(conninfo.c_str()));
  // Connection::Open reports a connection failure, with its own wording.
  if (!probe || PQstatus(probe.get()) != CONNECTION_OK) return Status::Ok();
  Result<PoolingFinding> finding = DetectPooling(probe.get(), conninfo);
  ZS_RETURN_IF_ERROR(finding.status().WithContext("checking for a transaction pooler"));
  if (finding->pooling != Pooling::kTransaction) return Status::Ok();
  std::string target = conninfo.empty() ? "the PG* environment's server" : RedactPassword(conninfo);
  return InvalidInput(fmt::format(
      "{} goes through a connection pooler in transaction pooling mode ({}): zeroshift needs "
      "one server session for the whole command (it holds an advisory lock and sets "
      "lock_timeout, statement_timeout and search_path), and such a pooler hands that session "
      "to other clients between transactions. Connect zeroshift directly to PostgreSQL (a "
      "direct URL: the server's own host and port) or through a session-mode pool, and keep "
      "the transaction pool for the applications; nothing was changed",
      target, finding->evidence));
}

Result<Connection> OpenOwnSession(const std::string& conninfo, const SessionSettings& settings) {
  ZS_RETURN_IF_ERROR(RequireOwnSession(conninfo));
  return Connection::Open(conninfo, settings);
}

std::string VersionPoolName(const std::string& database, const std::string& version_schema) {
  return database + "_" + version_schema;
}

std::string PgBouncerVersionPool(const Connection& conn, const std::string& version_schema,
                                 const std::string& schema) {
  PGconn* raw = conn.raw();
  std::string database = raw ? PQdb(raw) : "";
  std::string host = raw && PQhost(raw) ? PQhost(raw) : "";
  std::string port = raw && PQport(raw) ? PQport(raw) : "";
  std::string line = PgBouncerName(VersionPoolName(database, version_schema)) + " =";
  if (!host.empty()) line += " host=" + PgBouncerValue(host);
  if (!port.empty()) line += " port=" + PgBouncerValue(port);
  line += " dbname=" + PgBouncerValue(database) + " pool_mode=transaction connect_query=" +
          QuoteLiteral("SET search_path TO " + VersionSearchPath(version_schema, schema));
  return line;
}

std::string TransactionPoolerAdvice(const Connection& conn, const std::string& schema,
                                    const std::string& old_version,
                                    const std::string& new_version) {
  std::string database = conn.raw() ? PQdb(conn.raw()) : "";
  std::string text =
      "behind a transaction pooler (PgBouncer pool_mode = transaction) a client's SET "
      "search_path reaches other clients and is lost between transactions: give each version "
      "its own pool instead, in pgbouncer.ini's [databases] (then RELOAD):\n";
  for (const std::string& version : {old_version, new_version}) {
    if (!version.empty()) text += "  " + PgBouncerVersionPool(conn, version, schema) + "\n";
  }
  text += old_version.empty()
              ? "old clients keep database " + database + " (the tables); "
              : "old clients connect to database " + VersionPoolName(database, old_version) + ", ";
  return text + "new clients to database " + VersionPoolName(database, new_version) +
         "; none of them runs SET search_path";
}

}  // namespace zs::pg
