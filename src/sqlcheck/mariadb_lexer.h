// MariaDB has no parser library in Debian, so user SQL for MariaDB is
// checked by the server (PREPARE, sqlcheck/mariadb_check.h) after a lexical
// guard refuses what PREPARE would accept but must never reach a trigger or
// a migration session: a `;` that ends the statement early, executable
// comments (`/*! ... */` runs its text), user and system variables (an
// assignment `@zeroshift_version := 'x'` would flip the dual-write
// direction), PostgreSQL's `||` (OR here) and `::`.
//
// The lexer follows the pinned session's sql_mode (mysql/connection.h):
// ANSI_QUOTES off, so "..." is a string, and NO_BACKSLASH_ESCAPES off, so a
// backslash escapes the next character in a string; a quote is doubled
// inside its own kind of quotes ('it''s', `a``b`). It knows no keywords
// beyond the few the guards name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace zs::sqlcheck {

enum class MariadbTokenKind {
  kWord,        // a bare word: keyword, name, function name, x'..' prefix
  kQuotedName,  // `name`, text() is the name without backticks, `` undoubled
  kString,      // '...' or "..."
  kNumber,      // starts with a digit
  kSymbol,      // one character: ( ) , ; @ : | ? . + - ...
  kComment,     // /* */, # ..., -- ...
};

struct MariadbToken {
  MariadbTokenKind kind;
  size_t begin = 0;  // byte offsets in the lexed text
  size_t end = 0;
  std::string text;                 // as written, except kQuotedName (the name)
  bool executable_comment = false;  // /*! ... */ or /*M! ... */: the server runs its text
  bool line_comment = false;        // # ... or -- ...
};

// The tokens of `sql`; kInvalidInput for an unterminated string, quoted name
// or comment, naming what is unterminated and where (1-based byte position).
Result<std::vector<MariadbToken>> LexMariadb(std::string_view sql);

// Why `expression` may not be embedded as one value into generated SQL
// (a PREPAREd check, a trigger body, an UPDATE of the backfill), or "" when
// the lexical guard passes it. Each reason says what to write instead.
std::string MariadbExpressionProblem(std::string_view expression);

// `expression` without one `;` ending it (only whitespace and comments
// after), as PostgreSQL's check accepts "SELECT upper(name);"; unchanged
// otherwise (a `;` anywhere else is MariadbExpressionProblem's to refuse).
std::string MariadbWithoutFinalSemicolon(const std::string& expression);

// The same guard for a type name embedded into `ADD COLUMN c <type>`: also
// refuses a `,` or a column attribute (DEFAULT, NOT NULL, ...) outside
// parentheses.
std::string MariadbTypeProblem(std::string_view type);

// Names `expression` reads as columns, among `columns` (matched without
// regard to case, as MariaDB matches column names), in first-seen order and
// spelt as in `columns`: bare or backticked words not followed by `(` (a
// function call) and not next to a `.` (qualified names). A keyword that is
// also a column's name counts: a superset is harmless to the callers (they
// declare the columns a trigger reads).
// REQUIRES: MariadbExpressionProblem(expression) is "".
std::vector<std::string> MariadbReferencedColumns(std::string_view expression,
                                                  const std::vector<std::string>& columns);

// The first "..." string of `expression` whose text is the name of one of
// `columns` (without regard to case): PostgreSQL's quoted identifier, which
// MariaDB's sql_mode reads as a string ("name" = 'name'); "" when none.
std::string MariadbDoubleQuotedColumn(std::string_view expression,
                                      const std::vector<std::string>& columns);

// One statement of a `sql` operation, as split by MariadbSplitStatements.
struct MariadbStatementText {
  std::string text;        // without its `;` and surrounding whitespace and comments
  std::string first_word;  // upper-cased: "ALTER", "BEGIN", ...
};

// Splits `sql` at each `;` outside strings, quoted names and comments, and
// refuses (kInvalidInput, naming `what` and the statement) what a migration
// may not send: DELIMITER (a client command, not SQL), SET and user or
// system variables (the session's sql_mode and @zeroshift_version must stay
// as zeroshift pinned them), USE, PREPARE/EXECUTE/DEALLOCATE, LOCK/UNLOCK
// TABLES, executable comments and compound statements (BEGIN ... END holds
// `;`: each statement is sent alone). Empty statements are skipped; none at
// all is an error.
Result<std::vector<MariadbStatementText>> MariadbSplitStatements(std::string_view sql,
                                                                 const std::string& what);

}  // namespace zs::sqlcheck
