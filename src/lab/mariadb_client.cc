#include "lab/mariadb_client.h"

#include <fmt/format.h>

#include "backend/mariadb_backend.h"
#include "lab/users_table.h"
#include "mysql/connection.h"

namespace zs::lab {

namespace {

// Connector/C's own errors (2000-2999, errmsg.h) mean the connection is gone
// (2006 server gone away, 2013 lost connection, ...): reconnect.
bool MariadbClientLostConnection(const Status& status) {
  int number = mysql::ErrorNumber(status);
  return number >= 2000 && number < 3000;
}

// The connection puts the statement before the server's message
// ("UPDATE users SET name = 'Ada King' WHERE id = 7: Unknown column ..."):
// without it, the lab counts one message per kind of failure, not per row.
std::string MariadbClientError(const Status& status) {
  std::string message = status.message();
  for (const char* verb : {"SELECT ", "UPDATE ", "INSERT "}) {
    size_t colon = message.find(": ");
    if (message.rfind(verb, 0) == 0 && colon != std::string::npos) {
      return ShortClientError(Status(status.code(), message.substr(colon + 2)));
    }
  }
  return ShortClientError(status);
}

class MariadbClientConnection final : public ClientConnection {
 public:
  MariadbClientConnection(mysql::Connection conn, std::string database)
      : conn_(std::move(conn)), database_(std::move(database)) {}

  Status UseVersion(ClientVersion version, const std::string& version_namespace) override {
    const std::string& database = version == ClientVersion::kV1 ? database_ : version_namespace;
    if (database.empty()) {
      return InvalidInput(
          "the lab's MariaDB URL names no database: add /database to the mariadb:// URL");
    }
    ZS_RETURN_IF_ERROR(conn_.Run("USE " + mysql::QuoteIdentifier(database)));
    // What `zeroshift status` tells new clients to run: the triggers read the
    // variable to know which shape a write comes in (mariadb.md, "Dual write").
    return conn_.Run(version == ClientVersion::kV1
                         ? std::string("SET @zeroshift_version = NULL")
                         : "SET @zeroshift_version = " + mysql::QuoteLiteral(version_namespace));
  }

  ClientOutcome Execute(ClientVersion version, const ClientRequest& r) override;

  long long SessionId() const override { return static_cast<long long>(conn_.ConnectionId()); }

 private:
  // The request's statement and, on success, its log line.
  Result<std::string> Run(ClientVersion version, const ClientRequest& r);

  mysql::Connection conn_;
  std::string database_;  // the URL's: where v1 clients work
};

Result<std::string> MariadbClientConnection::Run(ClientVersion version, const ClientRequest& r) {
  bool v1 = version == ClientVersion::kV1;
  const char* v = VersionName(version);
  std::string first = mysql::QuoteLiteral(r.first);
  std::string last = mysql::QuoteLiteral(r.last);
  std::string full_text = r.first + " " + r.last;
  std::string full = mysql::QuoteLiteral(full_text);
  switch (r.kind) {
    case RequestKind::kRead: {
      ZS_ASSIGN_OR_RETURN(
          mysql::Rows rows,
          conn_.Exec(
              v1 ? fmt::format("SELECT name FROM users WHERE id = {}", r.id)
                 : fmt::format("SELECT first_name, last_name FROM users WHERE id = {}", r.id)));
      if (rows.empty()) return fmt::format("READ id={} not found in {}", r.id, v);
      return v1 ? fmt::format("READ id={} found {} in v1", r.id, rows.Get(0, 0))
                : fmt::format("READ id={} found first_name={} last_name={} in v2", r.id,
                              rows.Get(0, 0), rows.Get(0, 1));
    }
    case RequestKind::kUpdate:
      ZS_RETURN_IF_ERROR(conn_.Run(
          v1 ? fmt::format("UPDATE users SET name = {} WHERE id = {}", full, r.id)
             : fmt::format("UPDATE users SET first_name = {}, last_name = {} WHERE id = {}", first,
                           last, r.id)));
      return v1 ? fmt::format("UPDATE id={} name='{}' in v1", r.id, full_text)
                : fmt::format("UPDATE id={} first_name='{}' last_name='{}' in v2", r.id, r.first,
                              r.last);
    case RequestKind::kInsert:
      ZS_RETURN_IF_ERROR(
          conn_.Run(v1 ? fmt::format("INSERT INTO users (name) VALUES ({})", full)
                       : fmt::format("INSERT INTO users (first_name, last_name) VALUES ({}, {})",
                                     first, last)));
      return v1 ? fmt::format("INSERT id={} name='{}' in v1", mysql_insert_id(conn_.raw()),
                              full_text)
                : fmt::format("INSERT id={} first_name='{}' last_name='{}' in v2",
                              mysql_insert_id(conn_.raw()), r.first, r.last);
  }
  return Internal("unknown request kind");
}

ClientOutcome MariadbClientConnection::Execute(ClientVersion version, const ClientRequest& r) {
  Result<std::string> text = Run(version, r);
  if (text.ok()) return {.text = *text};
  backend::ErrorClass error_class = backend::Mariadb().Classify(text.status());
  ClientOutcome failed{.ok = false,
                       .timed_out = error_class == backend::ErrorClass::kStatementTimeout,
                       .disconnected = MariadbClientLostConnection(text.status()),
                       .error_class = error_class,
                       .error = MariadbClientError(text.status())};
  std::string target = r.kind == RequestKind::kInsert ? "" : fmt::format(" id={}", r.id);
  failed.text = fmt::format("{}{} in {} ERROR: {}", KindName(r.kind), target, VersionName(version),
                            failed.error);
  return failed;
}

class MariadbClientBackend final : public ClientBackend {
 public:
  Result<std::unique_ptr<ClientConnection>> Connect(
      const std::string& conninfo, std::chrono::milliseconds timeout) const override {
    ZS_ASSIGN_OR_RETURN(mysql::ConnectParams params, mysql::ParseUrl(conninfo));
    ZS_ASSIGN_OR_RETURN(mysql::Connection conn,
                        mysql::Connection::Open(params, {.program_name = kClientApplicationName,
                                                         .read_committed = false}));
    // max_statement_time takes fractional seconds (lock_wait_timeout does not).
    ZS_RETURN_IF_ERROR(conn.Run(fmt::format("SET SESSION max_statement_time = {:.3f}",
                                            static_cast<double>(timeout.count()) / 1000.0)));
    return std::unique_ptr<ClientConnection>(
        std::make_unique<MariadbClientConnection>(std::move(conn), params.database));
  }
};

}  // namespace

const ClientBackend& MariadbClients() {
  static const MariadbClientBackend clients;
  return clients;
}

}  // namespace zs::lab
