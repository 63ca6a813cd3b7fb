// RAII over MariaDB Connector/C (libmariadb): a Connection owns one MYSQL
// handle, a result set is owned while it is copied into Rows. Every error
// becomes a zs::Status of Code::kDatabase whose message ends with
// "(MariaDB error N)" and whose sqlstate() is the server's SQLSTATE; read the
// number back with ErrorNumber(). MariaDB's SQLSTATEs are too coarse to decide
// anything (a lock wait timeout, 1205, is the generic HY000), hence the number.
//
// The pinned session (every Connection, see Open): utf8mb4; sql_mode
// STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION, which
// is MariaDB 10.11's default less the obsolete NO_AUTO_CREATE_USER: so
// ANSI_QUOTES is OFF (identifiers are quoted with backticks, "x" is a string),
// NO_BACKSLASH_ESCAPES is OFF (a backslash escapes in a literal, and
// QuoteLiteral escapes it), and || is OR, as in the application's own SQL;
// autocommit on; time_zone '+00:00'; READ COMMITTED unless the settings say
// otherwise (the backfill's range UPDATEs must not take gap locks that block
// inserts at the end of the table: ../shared/design/mariadb.md).
#pragma once

#include <mysql.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace zs::mysql {

// MariaDB allows 64 characters in a database, table, column, index, view or
// trigger name; a longer one is refused by the server (never truncated).
inline constexpr size_t kMaxIdentifierChars = 64;

// Server error numbers zeroshift decides on (mysqld_error.h, MariaDB 10.11).
namespace errors {
inline constexpr int kDatabaseExists = 1007;
inline constexpr int kDbAccessDenied = 1044;
inline constexpr int kAccessDenied = 1045;
inline constexpr int kBadNull = 1048;
inline constexpr int kTableExists = 1050;
inline constexpr int kBadField = 1054;
inline constexpr int kDuplicateColumn = 1060;
inline constexpr int kDuplicateKeyName = 1061;
inline constexpr int kDuplicateEntry = 1062;
inline constexpr int kInvalidUseOfNull = 1138;
inline constexpr int kTableAccessDenied = 1142;
inline constexpr int kColumnAccessDenied = 1143;
inline constexpr int kLockWaitTimeout = 1205;
inline constexpr int kDeadlock = 1213;
inline constexpr int kSpecificAccessDenied = 1227;
inline constexpr int kQueryInterrupted = 1317;
inline constexpr int kTriggerExists = 1359;
inline constexpr int kNoDefaultForField = 1364;
inline constexpr int kTruncatedWrongValueForField = 1366;
inline constexpr int kProcedureAccessDenied = 1370;
inline constexpr int kDuplicateForeignKeyName = 1826;
inline constexpr int kStatementTimeout = 1969;
// Connector/C's own (errmsg.h): the server could not be reached.
inline constexpr int kClientConnectionError = 2002;
inline constexpr int kClientConnHostError = 2003;
inline constexpr int kClientUnknownHost = 2005;
}  // namespace errors

// The server error number a Status from this layer carries; 0 when it
// carries none (success, or an error that did not come from MariaDB).
int ErrorNumber(const Status& status);

// Where and how to connect, read from a URL.
struct ConnectParams {
  std::string user;
  std::optional<std::string> password;  // none: no password sent
  std::string host = "localhost";
  int port = 3306;
  std::string database;  // "" = none selected
  std::string socket;    // a Unix socket path; when set, the host and port are not used
};

// Reads mariadb://[user[:password]@][host][:port][/database][?socket=PATH]
// (also mysql://; the scheme in any case). Every part is percent-decoded; an
// IPv6 host is written in brackets. kInvalidInput names the part that is
// wrong and never echoes the URL.
Result<ConnectParams> ParseUrl(std::string_view url);

// The URL with any password replaced by "***", for messages and logs.
std::string RedactPassword(std::string_view url);

// `name` in backticks, backticks doubled. kInvalidInput for "" or a name the
// server would refuse: more than 64 characters, a NUL byte, a character above
// U+FFFF (names are stored in utf8mb3: measured, error 1300), or a trailing
// space (refused in a table or database name).
Result<std::string> QuoteIdentifierChecked(std::string_view name);
// As QuoteIdentifierChecked for the quoting, without the checks (a name that
// is too long then fails at the server, naming it).
std::string QuoteIdentifier(std::string_view name);
// '...' with \, ', ", NUL, \n, \r and ^Z backslash-escaped, as
// mysql_real_escape_string does for utf8mb4. Valid in the pinned session
// (NO_BACKSLASH_ESCAPES off); UTF-8 has no multibyte character containing the
// byte of a quote or backslash, so no character can swallow an escape.
std::string QuoteLiteral(std::string_view value);

struct MysqlResultDeleter {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};
struct MysqlDeleter {
  void operator()(MYSQL* handle) const { mysql_close(handle); }
};

// The rows of one statement, copied out of the result set. Values are text as
// the server sent them; NULL is std::nullopt.
class Rows {
 public:
  int size() const { return static_cast<int>(values_.size()); }
  int columns() const { return static_cast<int>(names_.size()); }
  bool empty() const { return values_.empty(); }
  bool IsNull(int row, int col) const { return !values_.at(row).at(col).has_value(); }
  // Text of the value; "" for NULL.
  std::string Get(int row, int col) const { return values_.at(row).at(col).value_or(""); }
  const std::optional<std::string>& GetOptional(int row, int col) const {
    return values_.at(row).at(col);
  }
  long long GetInt(int row, int col) const;
  // Column index by name; -1 when absent.
  int ColumnIndex(std::string_view name) const;
  const std::vector<std::string>& column_names() const { return names_; }
  // Rows changed by INSERT/UPDATE/DELETE (MariaDB counts matched-but-unchanged
  // rows as unaffected).
  long long AffectedRows() const { return affected_rows_; }

 private:
  friend class Connection;
  std::vector<std::string> names_;
  std::vector<std::vector<std::optional<std::string>>> values_;
  long long affected_rows_ = 0;
};

// What Open pins beyond the fixed settings listed at the top of this file.
struct SessionSettings {
  std::string program_name = "zeroshift";  // shown as a connection attribute
  bool read_committed = true;              // else the server's default level
  // Whole seconds (the server refuses fractions); 0 leaves the server's
  // default (a day for lock_wait_timeout).
  int lock_wait_timeout_s = 0;
  int innodb_lock_wait_timeout_s = 0;
  int connect_timeout_s = 10;
};

class Connection {
 public:
  // Opens a connection from a mariadb:// or mysql:// URL, then pins the
  // session. Errors name the URL with its password redacted, and the server's
  // message never contains the password.
  static Result<Connection> Open(std::string_view url, const SessionSettings& settings = {});
  static Result<Connection> Open(const ConnectParams& params, const SessionSettings& settings = {});

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // Runs one statement (several separated by ';' are refused by the server:
  // multi-statements stay off) and returns its rows, none for a statement
  // that returns no result set.
  Result<Rows> Exec(std::string_view sql);
  // Exec that discards the rows.
  Status Run(std::string_view sql);

  // CONNECTION_ID(): PROCESSLIST's ID, KILL's argument.
  unsigned long ConnectionId() const;
  // e.g. 101119 for 10.11.19.
  unsigned long ServerVersion() const;
  MYSQL* raw() const { return handle_.get(); }

 private:
  explicit Connection(MYSQL* handle, std::string password)
      : handle_(handle), password_(std::move(password)) {}
  Status LastError(std::string_view what) const;
  Status Pin(const SessionSettings& settings);

  std::unique_ptr<MYSQL, MysqlDeleter> handle_;
  // Kept only to scrub it from error messages (a server never echoes it, but
  // a statement the caller wrote might).
  std::string password_;
};

}  // namespace zs::mysql
