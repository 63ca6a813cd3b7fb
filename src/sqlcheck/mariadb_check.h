// MariaDB's ExpressionChecker. Debian has no parser library for MariaDB's
// grammar, so the server checks each text without running it: after the
// lexical guard of sqlcheck/mariadb_lexer.h,
//   PREPARE zs_check FROM 'SELECT (<expression>\n) FROM (SELECT CAST(NULL AS
//   <type>) AS `<column>`, ...) zs_row'
// then DEALLOCATE. PREPARE parses, resolves columns (1054) and functions
// (1305), and executes nothing (SLEEP(3) prepares at once; Com_execute_sql
// does not move). A SELECT cannot write, so a subquery in an expression
// cannot either (SELECT ... INTO needs `@` or a file, and both are refused).
//
// Every check runs under the sql_mode the triggers are created with
// (mysql::Connection pins it); a session with another sql_mode is refused,
// since `||` and "..." would mean something else there.
#pragma once

#include <string>

#include "mysql/connection.h"
#include "sqlcheck/checker.h"

namespace zs::sqlcheck {

// The sql_mode mysql::Connection::Open pins, which the checks require.
inline constexpr char kMariadbPinnedSqlMode[] =
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

class MariadbExpressionChecker final : public ExpressionChecker {
 public:
  // `conn` must outlive the checker. It must not have a statement of its
  // own prepared as zs_check (the checks replace and deallocate it).
  explicit MariadbExpressionChecker(mysql::Connection& conn) : conn_(conn) {}

  // Embedded as "(<expression>)": line comments are refused, so nothing can
  // swallow the closing parenthesis. Columns are the visible ones the text
  // names (MariadbReferencedColumns): qualified names are refused, since the
  // triggers see the columns as bare names. Refused: unknown columns (unless
  // kReport), functions MariaDB lacks (with the MariaDB function to use when
  // there is one: SUBSTRING_INDEX for split_part), syntax errors, and what
  // the lexical guard refuses.
  Result<CheckedExpression> CheckExpression(const VisibleTable& table,
                                            const std::string& expression, const std::string& what,
                                            UnknownColumns unknown) override;
  // The guard, then PREPARE of CREATE TEMPORARY TABLE zs_type_check (c
  // <type>) (preparable: it finds unknown types, precisions, widths and
  // charsets), then that table created and dropped (a temporary table
  // commits nothing and no one else sees it) for what only creating finds:
  // VARCHAR(70000), ENUM('a', 'a').
  Status CheckType(const std::string& type, const std::string& what) override;
  // No server needed: at most 64 characters, none above U+FFFF, no trailing
  // space (mysql::QuoteIdentifierChecked), and a plain name: no backtick,
  // double quote, `;`, whitespace or control character.
  Status CheckIdentifier(const std::string& name, const std::string& what) override;
  // One statement each (split at `;` outside strings, quoted names and
  // comments; MariadbSplitStatements refuses DELIMITER, SET, ...), each
  // PREPAREd for its syntax. Other errors of PREPARE (an unknown table) are
  // not refused: an earlier statement or operation may create the object.
  Result<std::vector<Statement>> CheckStatements(const std::string& sql,
                                                 const std::string& what) override;

 private:
  Status RequirePinnedSqlMode();
  // PREPARE zs_check FROM `sql`, then DEALLOCATE; the server's error as is.
  Status Prepare(const std::string& sql);
  Result<CheckedExpression> PrepareExpression(const VisibleTable& table,
                                              const std::string& expression,
                                              const std::string& what, UnknownColumns unknown);

  mysql::Connection& conn_;
};

// The CAST target standing for a column of `type` in the checks' derived
// row ("varchar(255)" -> "CHAR", "int(11) unsigned" -> "UNSIGNED",
// "decimal(10,2)" -> "DECIMAL(10,2)"): CAST takes only a few types, and
// PREPARE only needs the right family.
std::string MariadbCastTarget(const std::string& type);

// What to write on MariaDB instead of PostgreSQL function `name`
// (lower-case), or "" when there is no advice.
std::string MariadbFunctionAdvice(const std::string& name);

}  // namespace zs::sqlcheck
