#include "ops/mariadb_sql.h"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "ops/column_sql.h"
#include "sqlcheck/mariadb_lexer.h"

namespace zs::ops {

std::string MariadbNoNullsStatement(const OpContext& ctx, const std::string& table,
                                    const std::string& column, const std::string& message) {
  // Safe to repeat: once complete has renamed the column away, nothing is
  // checked (the inner query is resolved only when it runs).
  return fmt::format(
      "BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA "
      "= {} AND TABLE_NAME = {} AND COLUMN_NAME = {}) THEN IF EXISTS (SELECT 1 FROM {} WHERE {} "
      "IS NULL) THEN SIGNAL SQLSTATE '23000' SET MESSAGE_TEXT = {}; END IF; END IF; END;",
      ctx.backend->QuoteLiteral(ctx.before->name), ctx.backend->QuoteLiteral(table),
      ctx.backend->QuoteLiteral(column), MariadbTableName(ctx, table), MariadbQuote(ctx, column),
      ctx.backend->QuoteLiteral(message));
}

std::string MariadbQuote(const OpContext& ctx, const std::string& name) {
  return ctx.backend->QuoteIdentifier(name);
}

std::string MariadbQuoteList(const OpContext& ctx, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + MariadbQuote(ctx, name);
  return out;
}

std::string MariadbTableName(const OpContext& ctx, const std::string& physical_table) {
  return MariadbQuote(ctx, ctx.before->name) + "." + MariadbQuote(ctx, physical_table);
}

namespace {

// Functions MariaDB 10.11 evaluates once for an instant ADD COLUMN (measured).
bool MariadbInstantFunction(const std::string& upper) {
  static const std::set<std::string> kFunctions = {
      "ABS",    "CAST",      "CEIL",    "CEILING",        "CHAR_LENGTH",  "COALESCE",
      "CONCAT", "CONCAT_WS", "CONVERT", "CURDATE",        "CURRENT_DATE", "CURRENT_TIMESTAMP",
      "FLOOR",  "GREATEST",  "IF",      "IFNULL",         "JSON_ARRAY",   "JSON_OBJECT",
      "LEAST",  "LEFT",      "LENGTH",  "LOCALTIMESTAMP", "LOWER",        "LPAD",
      "LTRIM",  "NOW",       "NULLIF",  "REPEAT",         "REPLACE",      "RIGHT",
      "ROUND",  "RPAD",      "RTRIM",   "SUBSTR",         "SUBSTRING",    "SUBSTRING_INDEX",
      "TRIM",   "UPPER"};
  return kFunctions.count(upper) != 0;
}

// Words that are no column: keywords of literals, operators, CAST/CONVERT
// targets and CASE.
bool MariadbInstantKeyword(const std::string& upper) {
  static const std::set<std::string> kKeywords = {"AND",       "AS",           "BINARY",
                                                  "BOTH",      "CASE",         "CHAR",
                                                  "CHARACTER", "CURRENT_DATE", "CURRENT_TIMESTAMP",
                                                  "DATE",      "DATETIME",     "DAY",
                                                  "DECIMAL",   "DIV",          "DOUBLE",
                                                  "ELSE",      "END",          "FALSE",
                                                  "FROM",      "HOUR",         "INT",
                                                  "INTEGER",   "INTERVAL",     "IS",
                                                  "LEADING",   "LOCALTIME",    "LOCALTIMESTAMP",
                                                  "MINUTE",    "MOD",          "MONTH",
                                                  "NOT",       "NULL",         "OR",
                                                  "SECOND",    "SIGNED",       "THEN",
                                                  "TIME",      "TRAILING",     "TRUE",
                                                  "UNSIGNED",  "USING",        "UTF8MB4",
                                                  "WEEK",      "WHEN",         "XOR",
                                                  "YEAR"};
  return kKeywords.count(upper) != 0;
}

std::string MariadbUpper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool MariadbInstantDefault(std::string_view expression) {
  auto lexed = sqlcheck::LexMariadb(expression);
  if (!lexed.ok() || !sqlcheck::MariadbExpressionProblem(expression).empty()) return false;
  std::vector<sqlcheck::MariadbToken> tokens;
  for (auto& token : *lexed) {
    if (token.kind != sqlcheck::MariadbTokenKind::kComment) tokens.push_back(std::move(token));
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    const sqlcheck::MariadbToken& token = tokens[i];
    const sqlcheck::MariadbToken* next = i + 1 < tokens.size() ? &tokens[i + 1] : nullptr;
    if (token.kind == sqlcheck::MariadbTokenKind::kQuotedName) return false;  // a column
    if (token.kind == sqlcheck::MariadbTokenKind::kSymbol) {
      if (token.text == "@" || token.text == "?") return false;  // variables, placeholders
      continue;
    }
    if (token.kind != sqlcheck::MariadbTokenKind::kWord) continue;
    std::string upper = MariadbUpper(token.text);
    bool call =
        next != nullptr && next->kind == sqlcheck::MariadbTokenKind::kSymbol && next->text == "(";
    bool before_string = next != nullptr && next->kind == sqlcheck::MariadbTokenKind::kString &&
                         next->begin == token.end;
    if (call ? MariadbInstantFunction(upper) : MariadbInstantKeyword(upper)) continue;
    // x'41', b'1', N'a' and a character set introducer: _utf8mb4'x'.
    if (before_string && (upper == "X" || upper == "B" || upper == "N" || upper[0] == '_')) {
      continue;
    }
    return false;  // a column, or a function MariaDB may not add instantly
  }
  return true;
}

std::string MariadbColumnDefinition(const OpContext& ctx, const migration::Column& column,
                                    bool not_null) {
  std::string sql = MariadbQuote(ctx, column.name) + " " + column.type;
  if (not_null) sql += " NOT NULL";
  if (column.default_value) sql += " DEFAULT " + EmbedExpression(ctx, *column.default_value);
  if (column.comment) sql += " COMMENT " + ctx.backend->QuoteLiteral(*column.comment);
  return sql;
}

Status MariadbRefusal(const OpContext& ctx, const std::string& reason) {
  return InvalidInput(
      fmt::format("{}: cannot run on {}: {}", ctx.where, ctx.backend->Name(), reason));
}

Status MariadbColumnSupported(const OpContext& ctx, const migration::Column& column,
                              const std::string& what) {
  std::string where = fmt::format("{} column \"{}\"", what, column.name);
  if (column.generated && column.generated->identity) {
    return MariadbRefusal(ctx, where +
                                   " is an identity column, which MariaDB does not have; use "
                                   "an `sql` operation with AUTO_INCREMENT");
  }
  if (column.generated) {
    return MariadbRefusal(ctx, where +
                                   " is generated, and MariaDB adds a stored generated column "
                                   "only by copying the table under a shared lock; use an `sql` "
                                   "operation if the table is small");
  }
  return Status::Ok();
}

}  // namespace zs::ops
