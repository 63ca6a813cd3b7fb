// RAII over libpq. A Connection owns one PGconn; a Rows owns one PGresult.
// Every error becomes a zs::Status carrying the SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace zs::pg {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};

// The rows of one query. Values are text; NULL is std::nullopt.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result) {}

  int size() const;
  int columns() const;
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const;
  // Text of the value; "" for NULL.
  std::string Get(int row, int col) const;
  std::optional<std::string> GetOptional(int row, int col) const;
  // Column index by name; -1 when absent.
  int ColumnIndex(const std::string& name) const;
  std::string Get(int row, const std::string& column) const;
  long long GetInt(int row, int col) const;
  bool GetBool(int row, int col) const;  // 't' / 'f'
  // Number of rows affected by INSERT/UPDATE/DELETE.
  long long AffectedRows() const;

 private:
  std::unique_ptr<PGresult, PgResultDeleter> result_;
};

// Session settings pinned on every connection zeroshift opens: never assume
// what the server's defaults are.
struct SessionSettings {
  std::string application_name = "zeroshift";
  std::chrono::milliseconds lock_timeout{0};       // 0 = none
  std::chrono::milliseconds statement_timeout{0};  // 0 = none
};

class Connection {
 public:
  // Opens a connection with a libpq connection string or URL ("" means the
  // PG* environment variables), then pins `settings`.
  static Result<Connection> Open(const std::string& conninfo, const SessionSettings& settings = {});

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // Runs one or more statements with no parameters (simple query protocol:
  // several statements in one call run as one implicit transaction).
  Result<Rows> Exec(const std::string& sql);
  // Runs one statement with text parameters $1..$n (std::nullopt = NULL).
  Result<Rows> ExecParams(const std::string& sql,
                          const std::vector<std::optional<std::string>>& params);
  // Exec / ExecParams that discard the rows.
  Status Run(const std::string& sql);
  Status RunParams(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  Status SetLockTimeout(std::chrono::milliseconds timeout);
  Status SetStatementTimeout(std::chrono::milliseconds timeout);

  // The backend's pid, for pg_terminate_backend and pg_locks lookups.
  int BackendPid() const;
  // server_version_num, e.g. 150004.
  int ServerVersion() const;
  bool InTransaction() const;
  PGconn* raw() const { return conn_.get(); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<Rows> Check(PGresult* result, const std::string& sql);

  std::unique_ptr<PGconn, PgConnDeleter> conn_;
};

// Reads the connection URL the way the CLI documents it: the explicit value,
// else ZEROSHIFT_POSTGRES_URL, else DATABASE_URL, else "" (libpq's PG* variables).
std::string ResolveConnectionString(const std::string& explicit_url);

// The URL with any password replaced by "***", for messages and logs.
std::string RedactPassword(const std::string& conninfo);

}  // namespace zs::pg
