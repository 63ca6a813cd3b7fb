#include "lab/postgres_client.h"

#include <fmt/format.h>

#include "backend/postgres_backend.h"
#include "lab/users_table.h"
#include "pg/connection.h"
#include "pg/quote.h"

namespace zs::lab {

namespace {

class PostgresClientConnection final : public ClientConnection {
 public:
  explicit PostgresClientConnection(pg::Connection conn) : conn_(std::move(conn)) {}

  Status UseVersion(ClientVersion version, const std::string& version_namespace) override {
    std::string path = version == ClientVersion::kV1 ? "public" : pg::QuoteIdent(version_namespace);
    return conn_.Run("SET search_path TO " + path);
  }

  ClientOutcome Execute(ClientVersion version, const ClientRequest& r) override;

  long long SessionId() const override { return PQbackendPID(conn_.raw()); }

 private:
  pg::Connection conn_;
};

ClientOutcome PostgresClientConnection::Execute(ClientVersion version, const ClientRequest& r) {
  pg::Connection& conn = conn_;
  bool v1 = version == ClientVersion::kV1;
  const char* v = VersionName(version);
  std::string id = std::to_string(r.id);
  std::string full = r.first + " " + r.last;
  std::string email = fmt::format("{}.{}@example.com", r.first, r.last);
  Result<pg::Rows> rows = pg::Rows();
  std::string text;
  switch (r.kind) {
    case RequestKind::kRead:
      rows = v1 ? conn.ExecParams("SELECT name FROM users WHERE id = $1", {id})
                : conn.ExecParams("SELECT first_name, last_name FROM users WHERE id = $1", {id});
      if (rows.ok() && rows->empty()) text = fmt::format("READ id={} not found in {}", id, v);
      if (rows.ok() && !rows->empty()) {
        text = v1 ? fmt::format("READ id={} found {} in v1", id, rows->Get(0, 0))
                  : fmt::format("READ id={} found first_name={} last_name={} in v2", id,
                                rows->Get(0, 0), rows->Get(0, 1));
      }
      break;
    case RequestKind::kUpdate:
      rows = v1 ? conn.ExecParams("UPDATE users SET name = $2 WHERE id = $1", {id, full})
                : conn.ExecParams("UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1",
                                  {id, r.first, r.last});
      text = v1 ? fmt::format("UPDATE id={} name='{}' in v1", id, full)
                : fmt::format("UPDATE id={} first_name='{}' last_name='{}' in v2", id, r.first,
                              r.last);
      break;
    case RequestKind::kInsert:
      rows = v1 ? conn.ExecParams("INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id",
                                  {full, email})
                : conn.ExecParams(
                      "INSERT INTO users (first_name, last_name, email) VALUES ($1, $2, $3) "
                      "RETURNING id",
                      {r.first, r.last, email});
      if (rows.ok()) {
        text = v1 ? fmt::format("INSERT id={} name='{}' in v1", rows->Get(0, 0), full)
                  : fmt::format("INSERT id={} first_name='{}' last_name='{}' in v2",
                                rows->Get(0, 0), r.first, r.last);
      }
      break;
  }
  if (rows.ok()) return {.text = text};
  std::string target = r.kind == RequestKind::kInsert ? "" : " id=" + id;
  backend::ErrorClass error_class = backend::Postgres().Classify(rows.status());
  ClientOutcome failed{.ok = false,
                       .timed_out = error_class == backend::ErrorClass::kStatementTimeout,
                       .disconnected = PQstatus(conn.raw()) != CONNECTION_OK,
                       .error_class = error_class,
                       .error = ShortClientError(rows.status())};
  failed.text = fmt::format("{}{} in {} ERROR: {}", KindName(r.kind), target, v, failed.error);
  return failed;
}

class PostgresClientBackend final : public ClientBackend {
 public:
  Result<std::unique_ptr<ClientConnection>> Connect(
      const std::string& conninfo, std::chrono::milliseconds timeout) const override {
    pg::SessionSettings settings{.application_name = kClientApplicationName,
                                 .statement_timeout = timeout};
    ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(conninfo, settings));
    return std::unique_ptr<ClientConnection>(
        std::make_unique<PostgresClientConnection>(std::move(conn)));
  }
};

}  // namespace

const ClientBackend& PostgresClients() {
  static const PostgresClientBackend clients;
  return clients;
}

}  // namespace zs::lab
