// MariaDB 10.11 behind the Backend interface: a layer over src/mysql/
// (Connector/C, quoting, error numbers). Facts it relies on are measured in
// ../shared/design/mariadb.md.
//
// The commands reach it through SelectBackend (a mariadb:// or mysql:// URL).
#pragma once

#include <memory>

#include "backend/backend.h"
#include "mysql/connection.h"

namespace zs::backend {

class MariadbBackend final : public Backend {
 public:
  std::string_view Name() const override { return "MariaDB"; }
  Kind kind() const override { return Kind::kMariadb; }
  // No transactional DDL (each ALTER commits), no NOT VALID constraints, an
  // online index build (ALGORITHM=INPLACE, LOCK=NONE), versions in databases.
  Capabilities capabilities() const override;
  // From the server error number the Status carries (mysql::ErrorNumber).
  ErrorClass Classify(const Status& status) const override;
  std::string QuoteIdentifier(std::string_view name) const override;
  // Valid in a session pinned by mysql::Connection::Open (backslash escapes on).
  std::string QuoteLiteral(std::string_view value) const override;
  // MariaDB's limit is 64 *characters* (not bytes), and a longer name is
  // refused, never truncated: this is the byte count of the longest ASCII name.
  size_t MaxIdentifierBytes() const override { return mysql::kMaxIdentifierChars; }
  // `conninfo` is a mariadb:// or mysql:// URL (mysql::ParseUrl).
  Result<std::unique_ptr<Session>> Connect(const std::string& conninfo) const override;
};

// The one MariaDB backend (it keeps no state).
const MariadbBackend& Mariadb();

// The MariaDB backend for a mariadb:// or mysql:// URL (the scheme in any
// case); kInvalidInput, without echoing the URL, for any other. SelectBackend
// calls it for those schemes.
Result<const Backend*> MariadbBackendForUrl(const std::string& conninfo);

// The name GET_LOCK takes for `schema` (on MariaDB, a database):
// "zeroshift:<schema>", or "zeroshift:#<hex hash>" when that would exceed 64
// bytes (MySQL 8's limit on lock names; MariaDB has none).
std::string MariadbSchemaLockName(const std::string& schema);

class MariadbSession final : public Session {
 public:
  explicit MariadbSession(mysql::Connection&& conn) : conn_(std::move(conn)) {}
  // Releases the schema lock if this session holds it (see AcquireSchemaLock).
  ~MariadbSession() override;
  MariadbSession(const MariadbSession&) = delete;
  MariadbSession& operator=(const MariadbSession&) = delete;

  mysql::Connection& connection() { return conn_; }

  // GET_LOCK(MariadbSchemaLockName(schema)), held until this session ends:
  // released by the destructor (RELEASE_ALL_LOCKS answers once it is free;
  // the server ends a closed connection, and frees its locks, only some time
  // after the process exits, and a command run right after this one found the
  // lock still held), else by the disconnect. Server-wide, like the names of
  // databases.
  const Backend& backend() const override;
  Status AcquireSchemaLock(const std::string& schema) override;
  Result<std::optional<std::string>> SchemaLockHolder(const std::string& schema) override;
  // The other sessions holding a granted metadata lock on schema.table, from
  // information_schema.METADATA_LOCK_INFO when the metadata_lock_info plugin
  // is loaded (`holds` lists MDL modes; a session itself waiting for the
  // table's metadata lock, such as a queued ALTER, which holds
  // MDL_SHARED_UPGRADABLE meanwhile, is left out). Without it, the server cannot say who
  // holds a metadata lock (performance_schema is off by default, and its MDL
  // instrument too), so the answer is every other session with an open InnoDB
  // transaction, which may hold one, with `holds` "": a session that took
  // LOCK TABLES without a transaction is then missed.
  Result<std::vector<LockHolder>> LockHolders(const std::string& schema,
                                              const std::string& table) override;
  std::string DescribeLockHolders(const std::vector<LockHolder>& holders) const override;

 private:
  Result<bool> TableExists(const std::string& schema, const std::string& table);
  Result<bool> HasMetadataLockInfo();

  mysql::Connection conn_;
  std::string held_lock_;  // the schema lock's name once acquired
};

// The Connector/C connection under `session`, which must be a MariaDB session
// (session.backend().kind() == Kind::kMariadb): for the MariaDB
// implementation of a concern behind the seam.
mysql::Connection& MariadbConnection(Session& session);

}  // namespace zs::backend
