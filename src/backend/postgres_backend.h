// PostgreSQL behind the Backend interface: a thin layer over src/pg/ (libpq,
// quoting, lock holders) and the state store's advisory lock. Code that still
// holds a pg::Connection reaches the interface through PostgresSession's
// borrowing constructor.
#pragma once

#include <memory>

#include "backend/backend.h"
#include "pg/connection.h"

namespace zs::backend {

// PostgreSQL's identifiers are truncated beyond NAMEDATALEN - 1 bytes.
inline constexpr size_t kPostgresMaxIdentifierBytes = 63;

class PostgresBackend final : public Backend {
 public:
  std::string_view Name() const override { return "PostgreSQL"; }
  Kind kind() const override { return Kind::kPostgres; }
  Capabilities capabilities() const override;
  ErrorClass Classify(const Status& status) const override;
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string QuoteLiteral(std::string_view value) const override;
  size_t MaxIdentifierBytes() const override { return kPostgresMaxIdentifierBytes; }
  Result<std::unique_ptr<Session>> Connect(const std::string& conninfo) const override;
};

// The one PostgreSQL backend (it keeps no state). Until the engine holds the
// backend chosen from the URL, PostgreSQL-only code classifies errors with it.
const PostgresBackend& Postgres();

class PostgresSession final : public Session {
 public:
  // Owns `conn`.
  explicit PostgresSession(pg::Connection&& conn);
  // Borrows `conn`, which must outlive the session.
  explicit PostgresSession(pg::Connection& conn) : conn_(&conn) {}

  pg::Connection& connection() { return *conn_; }

  const Backend& backend() const override;
  Status AcquireSchemaLock(const std::string& schema) override;
  Result<std::optional<std::string>> SchemaLockHolder(const std::string& schema) override;
  Result<std::vector<LockHolder>> LockHolders(const std::string& schema,
                                              const std::string& table) override;
  std::string DescribeLockHolders(const std::vector<LockHolder>& holders) const override;

 private:
  std::unique_ptr<pg::Connection> owned_;
  pg::Connection* conn_ = nullptr;
};

// The libpq connection under `session`, which must be a PostgreSQL session
// (session.backend().kind() == Kind::kPostgres): for the PostgreSQL
// implementation of a concern behind the seam.
pg::Connection& PostgresConnection(Session& session);

}  // namespace zs::backend
