#include "backend/mariadb_backend.h"

#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace zs::backend {

namespace {

// MySQL 8 refuses GET_LOCK names longer than this; MariaDB accepts them.
constexpr size_t kMaxLockNameBytes = 64;
constexpr size_t kMaxDescribedHolders = 3;

// Columns both lock-holder queries return, in this order.
constexpr char kHolderColumns[] =
    "p.ID, p.COMMAND, CONCAT(p.USER, '@', p.HOST), COALESCE(p.STATE, ''), "
    "COALESCE(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), -1), {holds}, "
    "LEFT(COALESCE(p.INFO, ''), 200)";

struct NumberClass {
  int number;
  ErrorClass error_class;
};

// MariaDB's error numbers (mysqld_error.h). Duplicate object covers every
// "already exists" of a schema object, as for PostgreSQL; a duplicate *row*
// (1062, PostgreSQL's 23505) is no object and stays kOther on both.
constexpr NumberClass kMariadbErrorClasses[] = {
    {mysql::errors::kLockWaitTimeout, ErrorClass::kLockTimeout},
    {mysql::errors::kDeadlock, ErrorClass::kDeadlock},
    {mysql::errors::kStatementTimeout, ErrorClass::kStatementTimeout},
    {mysql::errors::kQueryInterrupted, ErrorClass::kStatementTimeout},
    {mysql::errors::kDatabaseExists, ErrorClass::kDuplicateObject},
    {mysql::errors::kTableExists, ErrorClass::kDuplicateObject},
    {mysql::errors::kDuplicateColumn, ErrorClass::kDuplicateObject},
    {mysql::errors::kDuplicateKeyName, ErrorClass::kDuplicateObject},
    {mysql::errors::kTriggerExists, ErrorClass::kDuplicateObject},
    {mysql::errors::kDuplicateForeignKeyName, ErrorClass::kDuplicateObject},
    {mysql::errors::kBadField, ErrorClass::kUndefinedColumn},
    {mysql::errors::kDbAccessDenied, ErrorClass::kInsufficientPrivilege},
    {mysql::errors::kTableAccessDenied, ErrorClass::kInsufficientPrivilege},
    {mysql::errors::kColumnAccessDenied, ErrorClass::kInsufficientPrivilege},
    {mysql::errors::kSpecificAccessDenied, ErrorClass::kInsufficientPrivilege},
    {mysql::errors::kProcedureAccessDenied, ErrorClass::kInsufficientPrivilege},
    {mysql::errors::kTruncatedWrongValueForField, ErrorClass::kDatatypeMismatch},
    {mysql::errors::kBadNull, ErrorClass::kNotNullViolation},
    {mysql::errors::kNoDefaultForField, ErrorClass::kNotNullViolation},
    {mysql::errors::kInvalidUseOfNull, ErrorClass::kNotNullViolation},
};

// FNV-1a: a stable, dependency-free hash for over-long lock names.
uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string MariadbHolderState(const std::string& command, const std::string& state,
                               double transaction_s) {
  if (command == "Sleep") return transaction_s >= 0 ? "idle in transaction" : "idle";
  return state.empty() ? command : command + ": " + state;
}

LockHolder MariadbHolderFromRow(const mysql::Rows& rows, int row) {
  LockHolder holder;
  holder.session_id = rows.GetInt(row, 0);
  holder.kind = rows.Get(row, 1);
  holder.application = rows.Get(row, 2);
  holder.transaction_s = static_cast<double>(rows.GetInt(row, 4));
  holder.state = MariadbHolderState(holder.kind, rows.Get(row, 3), holder.transaction_s);
  holder.holds = rows.Get(row, 5);
  holder.query = rows.Get(row, 6);
  return holder;
}

std::string DescribeMariadbHolder(const LockHolder& holder) {
  std::string details = holder.application;
  if (!holder.state.empty()) details += ", " + holder.state;
  if (holder.transaction_s >= 0) {
    details += fmt::format(", transaction open for {:.0f} s", holder.transaction_s);
  }
  if (!holder.holds.empty()) details += ", holds " + holder.holds;
  if (!holder.query.empty()) details += ", last statement: " + holder.query;
  return fmt::format("connection {} ({})", holder.session_id, details);
}

}  // namespace

Capabilities MariadbBackend::capabilities() const {
  return Capabilities{.transactional_ddl = false,
                      .not_valid_constraints = false,
                      .concurrent_index_build = true,
                      .schemas_as_version_namespaces = false};
}

ErrorClass MariadbBackend::Classify(const Status& status) const {
  int number = mysql::ErrorNumber(status);
  for (const NumberClass& entry : kMariadbErrorClasses) {
    if (entry.number == number) return entry.error_class;
  }
  return ErrorClass::kOther;
}

std::string MariadbBackend::QuoteIdentifier(std::string_view name) const {
  return mysql::QuoteIdentifier(name);
}

std::string MariadbBackend::QuoteLiteral(std::string_view value) const {
  return mysql::QuoteLiteral(value);
}

Result<std::unique_ptr<Session>> MariadbBackend::Connect(const std::string& conninfo) const {
  ZS_ASSIGN_OR_RETURN(mysql::Connection conn, mysql::Connection::Open(conninfo));
  return std::unique_ptr<Session>(std::make_unique<MariadbSession>(std::move(conn)));
}

const MariadbBackend& Mariadb() {
  static const MariadbBackend backend;
  return backend;
}

Result<const Backend*> MariadbBackendForUrl(const std::string& conninfo) {
  size_t end = conninfo.find("://");
  std::string scheme = conninfo.substr(0, end == std::string::npos ? 0 : end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "mariadb" && scheme != "mysql") {
    return InvalidInput(
        "not a MariaDB URL: write mariadb://user:password@host:port/database (or mysql://)");
  }
  return static_cast<const Backend*>(&Mariadb());
}

std::string MariadbSchemaLockName(const std::string& schema) {
  std::string name = "zeroshift:" + schema;
  if (name.size() <= kMaxLockNameBytes) return name;
  return fmt::format("zeroshift:#{:016x}", Fnv1a64(schema));
}

mysql::Connection& MariadbConnection(Session& session) {
  return static_cast<MariadbSession&>(session).connection();
}

const Backend& MariadbSession::backend() const { return Mariadb(); }

MariadbSession::~MariadbSession() {
  if (!held_lock_.empty()) {
    // All of them: GET_LOCK counts each acquisition by the same session.
    (void)conn_.Run("DO RELEASE_ALL_LOCKS()");
  }
}

Status MariadbSession::AcquireSchemaLock(const std::string& schema) {
  const std::string name = MariadbSchemaLockName(schema);
  // A zeroshift process that has just exited still holds the lock until the
  // server has ended its connection: wait half a second before refusing.
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn_.Exec("SELECT GET_LOCK(" + mysql::QuoteLiteral(name) + ", 0.5)"));
  if (rows.IsNull(0, 0)) {
    return Internal(
        fmt::format("GET_LOCK('{}') failed without an error; run the command again", name));
  }
  if (rows.GetInt(0, 0) == 1) {
    held_lock_ = name;
    return Status::Ok();
  }
  ZS_ASSIGN_OR_RETURN(std::optional<std::string> holder, SchemaLockHolder(schema));
  return Conflict(fmt::format(
      "another zeroshift process is working on database \"{}\": its connection, {}, holds "
      "the lock \"{}\" (GET_LOCK). Wait for it to finish (`zeroshift status` shows its "
      "progress), or stop it with Ctrl-C where it runs; then run this command again",
      schema, holder.value_or("which has just let it go"), name));
}

Result<std::optional<std::string>> MariadbSession::SchemaLockHolder(const std::string& schema) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec("SELECT p.ID, CONCAT(p.USER, '@', p.HOST), p.COMMAND, p.TIME "
                 "FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK(" +
                 mysql::QuoteLiteral(MariadbSchemaLockName(schema)) +
                 ") AND p.ID <> CONNECTION_ID()"));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(fmt::format("connection {} ({}, {} for {} s)", rows.Get(0, 0),
                                                rows.Get(0, 1), rows.Get(0, 2), rows.Get(0, 3)));
}

Result<bool> MariadbSession::TableExists(const std::string& schema, const std::string& table) {
  ZS_ASSIGN_OR_RETURN(
      mysql::Rows rows,
      conn_.Exec("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                 mysql::QuoteLiteral(schema) + " AND TABLE_NAME = " + mysql::QuoteLiteral(table)));
  return !rows.empty();
}

Result<bool> MariadbSession::HasMetadataLockInfo() {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows,
                      conn_.Exec("SELECT 1 FROM information_schema.PLUGINS WHERE PLUGIN_NAME = "
                                 "'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'"));
  return !rows.empty();
}

Result<std::vector<LockHolder>> MariadbSession::LockHolders(const std::string& schema,
                                                            const std::string& table) {
  ZS_ASSIGN_OR_RETURN(bool exists, TableExists(schema, table));
  if (!exists) return std::vector<LockHolder>();
  ZS_ASSIGN_OR_RETURN(bool precise, HasMetadataLockInfo());
  std::string sql;
  if (precise) {
    sql = fmt::format(
        "SELECT {} FROM information_schema.METADATA_LOCK_INFO m "
        "JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID "
        "LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID "
        "WHERE m.TABLE_SCHEMA = {} AND m.TABLE_NAME = {} AND p.ID <> CONNECTION_ID() "
        // A queued ALTER holds MDL_SHARED_UPGRADABLE while it waits for the
        // exclusive lock (measured): it is in the queue, not what blocks it.
        "AND COALESCE(p.STATE, '') <> 'Waiting for table metadata lock' "
        "GROUP BY p.ID, p.COMMAND, p.USER, p.HOST, p.STATE, t.trx_started, p.INFO",
        fmt::format(fmt::runtime(kHolderColumns), fmt::arg("holds",
                                                           "GROUP_CONCAT(DISTINCT m.LOCK_MODE "
                                                           "ORDER BY m.LOCK_MODE SEPARATOR ' ')")),
        mysql::QuoteLiteral(schema), mysql::QuoteLiteral(table));
  } else {
    sql = fmt::format(
        "SELECT {} FROM information_schema.INNODB_TRX t "
        "JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
        "WHERE p.ID <> CONNECTION_ID()",
        fmt::format(fmt::runtime(kHolderColumns), fmt::arg("holds", "''")));
  }
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn_.Exec(sql + " ORDER BY 5 DESC, 1"));
  std::vector<LockHolder> holders;
  holders.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    holders.push_back(MariadbHolderFromRow(rows, row));
  }
  return holders;
}

std::string MariadbSession::DescribeLockHolders(const std::vector<LockHolder>& holders) const {
  std::string text;
  for (size_t i = 0; i < holders.size() && i < kMaxDescribedHolders; ++i) {
    if (i > 0) text += "; ";
    text += DescribeMariadbHolder(holders[i]);
  }
  if (holders.size() > kMaxDescribedHolders) {
    text += fmt::format("; and {} more", holders.size() - kMaxDescribedHolders);
  }
  return text;
}

}  // namespace zs::backend
