#include "backend/postgres_backend.h"

#include "pg/errors.h"
#include "pg/lock_holders.h"
#include "pg/pooler.h"
#include "pg/quote.h"
#include "pg/schema_lock.h"

namespace zs::backend {

namespace {

LockHolder FromPgLockHolder(const pg::LockHolder& holder) {
  return LockHolder{.session_id = holder.pid,
                    .kind = holder.backend_type,
                    .application = holder.application_name,
                    .state = holder.state,
                    .transaction_s = holder.transaction_s,
                    .holds = holder.modes,
                    .query = holder.query};
}

pg::LockHolder ToPgLockHolder(const LockHolder& holder) {
  return pg::LockHolder{.pid = static_cast<int>(holder.session_id),
                        .backend_type = holder.kind,
                        .application_name = holder.application,
                        .state = holder.state,
                        .transaction_s = holder.transaction_s,
                        .modes = holder.holds,
                        .query = holder.query};
}

}  // namespace

Capabilities PostgresBackend::capabilities() const {
  return Capabilities{.transactional_ddl = true,
                      .not_valid_constraints = true,
                      .concurrent_index_build = true,
                      .schemas_as_version_namespaces = true};
}

ErrorClass PostgresBackend::Classify(const Status& status) const {
  return pg::ClassifyError(status);
}

std::string PostgresBackend::QuoteIdentifier(std::string_view name) const {
  return pg::QuoteIdent(name);
}

std::string PostgresBackend::QuoteLiteral(std::string_view value) const {
  return pg::QuoteLiteral(value);
}

Result<std::unique_ptr<Session>> PostgresBackend::Connect(const std::string& conninfo) const {
  // A Session holds the schema's advisory lock across transactions: a
  // transaction pooler is refused (pg/pooler.h).
  ZS_ASSIGN_OR_RETURN(pg::Connection conn, pg::OpenOwnSession(conninfo, {}));
  return std::unique_ptr<Session>(std::make_unique<PostgresSession>(std::move(conn)));
}

const PostgresBackend& Postgres() {
  static const PostgresBackend backend;
  return backend;
}

PostgresSession::PostgresSession(pg::Connection&& conn)
    : owned_(std::make_unique<pg::Connection>(std::move(conn))), conn_(owned_.get()) {}

pg::Connection& PostgresConnection(Session& session) {
  return static_cast<PostgresSession&>(session).connection();
}

const Backend& PostgresSession::backend() const { return Postgres(); }

// The advisory lock of pg/schema_lock.h, which the state store takes too.
Status PostgresSession::AcquireSchemaLock(const std::string& schema) {
  return pg::AcquireSchemaLock(*conn_, schema);
}

Result<std::optional<std::string>> PostgresSession::SchemaLockHolder(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(std::optional<pg::AdvisoryLockHolder> holder,
                      pg::FindSchemaLockHolder(*conn_, schema));
  if (!holder) return std::optional<std::string>();
  return std::optional<std::string>(holder->Describe());
}

Result<std::vector<LockHolder>> PostgresSession::LockHolders(const std::string& schema,
                                                             const std::string& table) {
  ZS_ASSIGN_OR_RETURN(std::vector<pg::LockHolder> holders,
                      pg::LockHolders(*conn_, pg::QualifiedName(schema, table)));
  std::vector<LockHolder> out;
  out.reserve(holders.size());
  for (const pg::LockHolder& holder : holders) out.push_back(FromPgLockHolder(holder));
  return out;
}

std::string PostgresSession::DescribeLockHolders(const std::vector<LockHolder>& holders) const {
  std::vector<pg::LockHolder> pg_holders;
  pg_holders.reserve(holders.size());
  for (const LockHolder& holder : holders) pg_holders.push_back(ToPgLockHolder(holder));
  return pg::DescribeLockHolders(pg_holders);
}

}  // namespace zs::backend
