// The seam for a second database. Everything that is the same on every
// database (the migration format and parser, each operation's validation and
// intent, the planner's ordering, the engine's phases, history, the CLI, the
// lab's metrics) stays shared; what differs sits behind `Backend`, chosen from
// the connection URL's scheme (SelectBackend). PostgreSQL is the first
// implementation (postgres_backend.h, a thin layer over src/pg/); MariaDB
// (mariadb_backend.h over src/mysql/; facts: ../shared/design/mariadb.md) is
// the second.
//
// This interface answers the questions every layer asks: connection and error
// classes (Connect, Classify), quoting and identifier limits, capability
// flags, the schema's advisory lock and who holds a lock on a table (Session).
// Each larger concern that differs keeps ONE interface in its own home, with
// the PostgreSQL and the MariaDB implementation side by side, and one factory
// that picks by Kind (no other code tests the kind):
//   - the catalog reader: schema::ReadSchema(Session&)   src/schema/read_schema.cc
//   - what depends on a column: schema::ReadColumnDependents(Session&, ...)
//   - the state store: state::OpenStateStore(Session&)   src/state/state_store.h
//   - how a group of statements is made atomic and how a lock wait is
//     bounded and retried: ddl::MakeRunner(Session&, policy)   src/ddl/runner.h
//   - dual-write triggers: triggers::DualWriteFor(Backend)   src/triggers/dual_write.h
//   - version views: versions::VersionSqlFor(Backend)   src/versions/version_schema.h
//   - checking user SQL: sqlcheck::ExpressionCheckerFor(Session&)   src/sqlcheck/checker.h
//   - each operation's SQL: ops::OperationSql, chosen from OpContext::backend
//     (src/ops/operation_sql.h; refusals name the operation and the reason)
//   - backfill batches and pressure probes: backfill::BatchBackendFor(Session&)
//     src/backfill/batch_backend.h
//   - the lab's clients: lab::ClientBackendFor(Kind)   src/lab/client.h
// The engine holds a Session and reaches every concern through it; the
// commands connect to the backend SelectBackend picks from the URL.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/error_class.h"
#include "core/status.h"

namespace zs::backend {

class Backend;

// Which database a Backend speaks. Each concern that differs (the catalog
// reader, the state store, the DDL runner, triggers, version views, the
// backfill's batches, each operation's SQL) keeps its implementations side by
// side in its own home and picks one by this.
enum class Kind { kPostgres, kMariadb };

// What a database can do, which decides the shape of an operation's intent.
struct Capabilities {
  // DDL and the state row that records it commit in one transaction
  // (MariaDB: DDL commits implicitly, so each step needs intent/done records
  // and DDL that is safe to repeat).
  bool transactional_ddl = false;
  // A constraint can be added without checking existing rows, then validated
  // without blocking writes (ADD CONSTRAINT ... NOT VALID; VALIDATE).
  bool not_valid_constraints = false;
  // An index can be built while writes go on (CREATE INDEX CONCURRENTLY;
  // MariaDB: ALGORITHM=INPLACE, LOCK=NONE, which is a different statement).
  bool concurrent_index_build = false;
  // A version's views live in a schema of the same database, selected with
  // search_path (MariaDB: a separate database per version).
  bool schemas_as_version_namespaces = false;
};

// A session that holds a granted lock on a table.
struct LockHolder {
  long long session_id = 0;   // PostgreSQL: the backend's pid; MariaDB: PROCESSLIST id
  std::string kind;           // PostgreSQL: backend_type ("autovacuum worker"); MariaDB: COMMAND
  std::string application;    // PostgreSQL: application_name; MariaDB: user@host
  std::string state;          // "active", "idle in transaction", ...
  double transaction_s = -1;  // age of its transaction; -1 when it has none
  std::string holds;          // the lock modes it holds, "" when the database does not say
  std::string query;          // its current or last statement, shortened
};

// One connection to the database, as far as the backend-neutral code needs it
// so far. Grows as concerns move behind the interface.
class Session {
 public:
  virtual ~Session() = default;

  // The backend this session speaks to.
  virtual const Backend& backend() const = 0;

  // Takes the advisory lock that keeps two zeroshift processes off one schema,
  // held until the session ends. kConflict, naming the holder, when another
  // session holds it.
  virtual Status AcquireSchemaLock(const std::string& schema) = 0;
  // The session holding that lock, described in one line; none when free (or
  // held by this session).
  virtual Result<std::optional<std::string>> SchemaLockHolder(const std::string& schema) = 0;

  // The other sessions holding a granted lock on schema.table, the longest
  // held first; none when the table does not exist.
  virtual Result<std::vector<LockHolder>> LockHolders(const std::string& schema,
                                                      const std::string& table) = 0;
  // "pid 4242 (psql, idle in transaction for 12 s, holds ...)" for the first
  // few holders, then "and N more": for an error that names who blocked us.
  virtual std::string DescribeLockHolders(const std::vector<LockHolder>& holders) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "PostgreSQL", for messages.
  virtual std::string_view Name() const = 0;
  virtual Kind kind() const = 0;
  virtual Capabilities capabilities() const = 0;

  // The class of a failed statement's error (kOther for success and for
  // errors no caller distinguishes).
  virtual ErrorClass Classify(const Status& status) const = 0;

  // The one quoting function for identifiers and literals in SQL text. New
  // code quotes through these; pg::QuoteIdent / pg::QuoteLiteral
  // (src/pg/quote.h) are the PostgreSQL implementation's, still called
  // directly by code written before the seam.
  virtual std::string QuoteIdentifier(std::string_view name) const = 0;
  virtual std::string QuoteLiteral(std::string_view value) const = 0;
  // Longer identifiers are truncated (PostgreSQL) or refused (MariaDB).
  virtual size_t MaxIdentifierBytes() const = 0;

  // Opens a session with `conninfo` (a URL this backend was selected for).
  virtual Result<std::unique_ptr<Session>> Connect(const std::string& conninfo) const = 0;
};

// The backend for a connection string, from its scheme: postgres:// and
// postgresql:// URLs, libpq key=value strings and "" (libpq's PG* variables)
// give PostgreSQL; mariadb:// and mysql:// (any case) give MariaDB. Any other
// scheme is refused naming the accepted ones. kInvalidInput on refusal;
// messages never include the connection string itself, so never a password.
Result<const Backend*> SelectBackend(const std::string& conninfo);

}  // namespace zs::backend
