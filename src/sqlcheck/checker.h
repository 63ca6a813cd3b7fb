// The one interface for checking user SQL before anything runs, whatever the
// database: `up`, `down`, `check`, `default` and index predicates
// (expressions), column types, and `sql` operations (statements).
//
// PostgreSQL's implementation (sqlcheck/postgres_check.h) parses with
// libpg_query (sqlcheck/expression.h) and needs no server. MariaDB's
// (sqlcheck/mariadb_check.h) has no parser library: a lexical guard, then
// the server itself checks each text with PREPARE, which resolves names and
// functions and runs nothing. Pick one with ExpressionCheckerFor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/status.h"
#include "sqlcheck/expression.h"

namespace zs::sqlcheck {

// A column as the expression sees it: its name in the version it reads and
// its type as the backend spells it ("text", "varchar(255)", "int(11)").
struct VisibleColumn {
  std::string name;
  std::string type;
};

// The table an expression is evaluated against, with the columns visible in
// the version it reads (for `down`, the new version; for `up`, the old).
struct VisibleTable {
  std::string name;
  std::vector<VisibleColumn> columns;
};

// What to do with a name the expression reads as a column of the table that
// the table does not have.
enum class UnknownColumns {
  // Refuse the expression (kInvalidInput): `up`, `check`, `default`, predicates.
  kRefuse,
  // List it in CheckedExpression::unknown_columns: `down`, which pgroll
  // accepts (writes through the new version then fail), with a warning.
  kReport,
};

struct CheckedExpression {
  // The text to embed in generated SQL, parenthesised: "(<expression>)".
  std::string embedded;
  // The table's columns the expression reads, in first-seen order, spelt as
  // in VisibleTable (the triggers declare or map exactly these).
  std::vector<std::string> columns;
  // Names read as columns that the table lacks (only with kReport).
  std::vector<std::string> unknown_columns;
};

class ExpressionChecker {
 public:
  virtual ~ExpressionChecker() = default;

  // Checks that `expression` is one value expression over `table`'s visible
  // columns: no `;`, nothing around the value, known functions, known
  // columns (as `unknown` says). `what` names the culprit in messages, e.g.
  // "02_split_name.yaml:5:7 add_column users.first_name up"; every message
  // names the table and the column or function at fault and says what to do.
  virtual Result<CheckedExpression> CheckExpression(const VisibleTable& table,
                                                    const std::string& expression,
                                                    const std::string& what,
                                                    UnknownColumns unknown) = 0;

  // Checks that `type` is a single column type, usable in `ADD COLUMN c <type>`.
  virtual Status CheckType(const std::string& type, const std::string& what) = 0;

  // Checks that `name` is usable as a new identifier (a column, table,
  // index or constraint name): non-empty, within the backend's limit, a
  // plain name without quotes, whitespace, `;` or control characters.
  virtual Status CheckIdentifier(const std::string& name, const std::string& what) = 0;

  // Checks a `sql` operation's text and splits it into its statements, in
  // order. On MariaDB every statement is outside_transaction (each commits
  // on its own, so each is an Action of its own), share_update_exclusive
  // stays false (the lock of arbitrary SQL is unknown) and no index_name is
  // set; transaction_control is set as on PostgreSQL.
  virtual Result<std::vector<Statement>> CheckStatements(const std::string& sql,
                                                         const std::string& what) = 0;
};

// The checker for `session`'s backend. MariaDB's checks through `session`'s
// connection, which must outlive the checker; PostgreSQL's does not use it.
std::unique_ptr<ExpressionChecker> ExpressionCheckerFor(backend::Session& session);

// The message for a name `expression` reads as a column that `table` lacks,
// the same for every backend: names the column and the table and lists the
// table's columns.
std::string UnknownColumnMessage(const std::string& what, const std::string& expression,
                                 const std::string& column, const VisibleTable& table);

}  // namespace zs::sqlcheck
