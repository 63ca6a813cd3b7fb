#include "sqlcheck/mariadb_check.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "sqlcheck/mariadb_lexer.h"

namespace zs::sqlcheck {
namespace {

// The statement's first line is fixed, so the message of a failed PREPARE
// is this prefix, the server's text and mysql's error-number suffix, never
// the user's text in front of the server's.
constexpr char kMariadbPrepareHead[] = "PREPARE zs_check FROM";
constexpr int kMariadbUnknownFunction = 1305;
constexpr int kMariadbSyntaxError = 1064;
constexpr int kMariadbNotPreparable = 1295;
// Connector/C's own errors (the connection went away): not the text's fault.
bool MariadbCheckIsClientError(int number) { return number >= 2000 && number <= 2999; }
// An expression reading more unknown names than this is refused anyway.
constexpr int kMariadbMaxUnknownColumns = 32;

std::string MariadbCheckLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The server's own message in the Status of a failed statement whose first
// line is `first_line`.
std::string MariadbCheckServerText(const Status& status,
                                   const std::string& first_line = kMariadbPrepareHead) {
  std::string message = status.message();
  const std::string head = first_line + ": ";
  if (message.rfind(head, 0) == 0) message.erase(0, head.size());
  size_t suffix = message.rfind(" (MariaDB error ");
  if (suffix != std::string::npos) message.erase(suffix);
  return message;
}

// The first capture of `pattern` in `text`, or "".
std::string MariadbCheckCapture(const std::string& text, const char* pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return "";
  return match[1].str();
}

std::string MariadbCheckShown(const std::string& text) {
  return text.size() <= 300 ? text : text.substr(0, 300) + "...";
}

// Where a syntax error is, in the user's text: the server says "near
// '<rest of the statement>' at line N"; the user's text starts `offset`
// bytes into `statement` and is `length` bytes long.
std::string MariadbCheckSyntaxWhere(const std::string& server_text, const std::string& statement,
                                    size_t offset, size_t length) {
  std::string near = MariadbCheckCapture(server_text, "near '([\\s\\S]*)' at line [0-9]+$");
  // The server cuts the rest at 80 characters and marks the cut with "...".
  if (near.size() > 3 && near.compare(near.size() - 3, 3, "...") == 0) near.resize(near.size() - 3);
  size_t at = near.empty() ? std::string::npos : statement.find(near, offset);
  if (at == std::string::npos || at >= offset + length) {
    return "at its end (something is missing: a closing parenthesis, an operand, END)";
  }
  std::string rest = statement.substr(at, offset + length - at);
  if (rest.size() > 60) rest = rest.substr(0, 60) + "...";
  return "at `" + rest + "` (position " + std::to_string(at - offset + 1) + ")";
}

// " (<type>)" of a column type: the text inside its first parentheses.
std::string MariadbCheckTypeArguments(const std::string& type) {
  size_t open = type.find('(');
  size_t close = type.find(')', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return type.substr(open, close - open + 1);
}

// The derived row the expression is checked against: each visible column
// as a NULL of its type's family, plus `extra` names (unknown columns being
// reported) as plain NULLs.
std::string MariadbCheckDerivedRow(const VisibleTable& table,
                                   const std::vector<std::string>& extra) {
  std::string row;
  for (const VisibleColumn& column : table.columns) {
    row += (row.empty() ? "" : ", ") + std::string("CAST(NULL AS ") +
           MariadbCastTarget(column.type) + ") AS " + mysql::QuoteIdentifier(column.name);
  }
  for (const std::string& name : extra) {
    row += (row.empty() ? "" : ", ") + std::string("NULL AS ") + mysql::QuoteIdentifier(name);
  }
  if (row.empty()) row = "NULL AS `zs_no_column`";
  return "SELECT " + row;
}

bool MariadbCheckIsTransactionControl(const std::string& first_word) {
  for (const char* word : {"BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "XA"}) {
    if (first_word == word) return true;
  }
  return false;
}

}  // namespace

std::string MariadbCastTarget(const std::string& type) {
  std::string lower = MariadbCheckLower(type);
  size_t end = 0;
  while (end < lower.size() && (std::isalpha(static_cast<unsigned char>(lower[end])) != 0)) ++end;
  const std::string base = lower.substr(0, end);
  const bool is_unsigned = lower.find("unsigned") != std::string::npos;
  static const std::map<std::string, std::string> kFamilies = {
      {"tinyint", "SIGNED"},     {"smallint", "SIGNED"}, {"mediumint", "SIGNED"},
      {"int", "SIGNED"},         {"integer", "SIGNED"},  {"bigint", "SIGNED"},
      {"bool", "SIGNED"},        {"boolean", "SIGNED"},  {"year", "SIGNED"},
      {"bit", "UNSIGNED"},       {"float", "DOUBLE"},    {"double", "DOUBLE"},
      {"real", "DOUBLE"},        {"date", "DATE"},       {"datetime", "DATETIME"},
      {"timestamp", "DATETIME"}, {"time", "TIME"},       {"binary", "BINARY"},
      {"varbinary", "BINARY"},   {"tinyblob", "BINARY"}, {"blob", "BINARY"},
      {"mediumblob", "BINARY"},  {"longblob", "BINARY"}};
  if (base == "decimal" || base == "numeric" || base == "dec" || base == "fixed") {
    return "DECIMAL" + MariadbCheckTypeArguments(lower);
  }
  auto family = kFamilies.find(base);
  if (family == kFamilies.end()) return "CHAR";  // char, varchar, text, enum, set, json, ...
  if (family->second == "SIGNED" && is_unsigned) return "UNSIGNED";
  if (family->second == "DATETIME" || family->second == "TIME") {
    return family->second + MariadbCheckTypeArguments(lower);
  }
  return family->second;
}

std::string MariadbFunctionAdvice(const std::string& name) {
  static const std::map<std::string, std::string> kAdvice = {
      {"split_part",
       "use SUBSTRING_INDEX(name, ' ', 1) instead of split_part (the first part; "
       "SUBSTRING_INDEX(SUBSTRING_INDEX(name, ' ', n), ' ', -1) for the n-th)"},
      {"strpos", "use LOCATE(substring, string) instead of strpos"},
      {"btrim", "use TRIM(BOTH ' ' FROM value) instead of btrim"},
      {"string_agg", "use GROUP_CONCAT(value SEPARATOR ', ') instead of string_agg"},
      {"to_char", "use DATE_FORMAT(value, '%Y-%m-%d') instead of to_char"},
      {"date_trunc", "use DATE(value) or DATE_FORMAT(value, '%Y-%m-01') instead of date_trunc"},
      {"to_timestamp", "use FROM_UNIXTIME(seconds) instead of to_timestamp"},
      {"gen_random_uuid", "use UUID() instead of gen_random_uuid"},
      {"uuid_generate_v4", "use UUID() instead of uuid_generate_v4"},
      {"age", "use TIMESTAMPDIFF(unit, start, end) instead of age"},
      {"json_build_object", "use JSON_OBJECT(key, value, ...) instead of json_build_object"},
      {"jsonb_build_object", "use JSON_OBJECT(key, value, ...) instead of jsonb_build_object"},
      {"array_to_string",
       "use GROUP_CONCAT or CONCAT_WS instead of array_to_string (MariaDB "
       "has no arrays)"},
      {"encode", "use TO_BASE64(value) or HEX(value) instead of encode"},
      {"decode", "use FROM_BASE64(value) or UNHEX(value) instead of decode"},
  };
  auto advice = kAdvice.find(MariadbCheckLower(name));
  return advice == kAdvice.end() ? "" : advice->second;
}

Status MariadbExpressionChecker::RequirePinnedSqlMode() {
  ZS_ASSIGN_OR_RETURN(mysql::Rows rows, conn_.Exec("SELECT @@SESSION.sql_mode"));
  std::string mode = rows.empty() ? "" : rows.Get(0, 0);
  if (mode == kMariadbPinnedSqlMode) return Status::Ok();
  return Internal("checking SQL on MariaDB needs the session's sql_mode to be `" +
                  std::string(kMariadbPinnedSqlMode) + "` (the triggers' own), not `" + mode +
                  "`: open the connection with mysql::Connection::Open, which pins it");
}

Status MariadbExpressionChecker::Prepare(const std::string& sql) {
  ZS_RETURN_IF_ERROR(conn_.Run(std::string(kMariadbPrepareHead) + "\n" + mysql::QuoteLiteral(sql)));
  return conn_.Run("DEALLOCATE PREPARE zs_check");
}

Result<CheckedExpression> MariadbExpressionChecker::CheckExpression(const VisibleTable& table,
                                                                    const std::string& expression,
                                                                    const std::string& what,
                                                                    UnknownColumns unknown) {
  ZS_RETURN_IF_ERROR(RequirePinnedSqlMode());
  std::string problem = MariadbExpressionProblem(MariadbWithoutFinalSemicolon(expression));
  if (!problem.empty()) {
    return InvalidInput(what + ": `" + MariadbCheckShown(expression) +
                        "` is not a single MariaDB expression over table \"" + table.name +
                        "\": " + problem);
  }
  return PrepareExpression(table, MariadbWithoutFinalSemicolon(expression), what, unknown);
}

Result<CheckedExpression> MariadbExpressionChecker::PrepareExpression(const VisibleTable& table,
                                                                      const std::string& expression,
                                                                      const std::string& what,
                                                                      UnknownColumns unknown) {
  const std::string prefix = "SELECT (";
  const std::string shown = "`" + MariadbCheckShown(expression) + "`";
  const std::string on_table = " (table \"" + table.name + "\")";
  std::vector<std::string> names;
  for (const VisibleColumn& column : table.columns) names.push_back(column.name);
  if (std::string column = MariadbDoubleQuotedColumn(expression, names); !column.empty()) {
    return InvalidInput(what + ": " + shown + " has \"" + column + "\"" + on_table +
                        ", which MariaDB reads as a string, not as the column; write the column "
                        "as " +
                        mysql::QuoteIdentifier(column) + " or bare");
  }
  CheckedExpression checked;
  for (;;) {
    std::string statement = prefix + expression + "\n) FROM (" +
                            MariadbCheckDerivedRow(table, checked.unknown_columns) + ") zs_row";
    Status prepared = Prepare(statement);
    if (prepared.ok()) break;
    const int number = mysql::ErrorNumber(prepared);
    const std::string server = MariadbCheckServerText(prepared);
    if (number == 0 || MariadbCheckIsClientError(number)) {
      return prepared.WithContext(what + ": checking the expression on MariaDB");
    }
    if (number == mysql::errors::kBadField) {
      std::string column = MariadbCheckCapture(server, "^Unknown column '([\\s\\S]*)' in '");
      if (column.find('.') != std::string::npos) {
        return InvalidInput(what + ": " + shown + " refers to `" + column + "`" + on_table +
                            ": on MariaDB write the column without a table name (the triggers "
                            "see each column as a bare name)");
      }
      if (unknown == UnknownColumns::kReport && !column.empty() &&
          checked.unknown_columns.size() < kMariadbMaxUnknownColumns) {
        checked.unknown_columns.push_back(column);
        continue;
      }
      return InvalidInput(UnknownColumnMessage(what, expression, column, table));
    }
    if (number == kMariadbUnknownFunction) {
      std::string function = MariadbCheckCapture(server, "^FUNCTION (\\S+) does not exist");
      function = function.substr(function.rfind('.') + 1);
      std::string advice = MariadbFunctionAdvice(function);
      return InvalidInput(what + ": " + shown + " calls " + function + "()" + on_table +
                          ", which MariaDB does not have; " +
                          (advice.empty()
                               ? "use a MariaDB function, or create this one before the migration"
                               : advice));
    }
    if (number == kMariadbSyntaxError) {
      return InvalidInput(
          what + ": " + shown + " is not a MariaDB expression" + on_table + ": syntax error " +
          MariadbCheckSyntaxWhere(server, statement, prefix.size(), expression.size()) +
          "; write MariaDB's syntax (CAST(x AS CHAR), CONCAT(a, b), no `::`)");
    }
    return InvalidInput(what + ": " + shown + " is refused by MariaDB" + on_table + ": " + server +
                        "; fix the expression");
  }
  checked.columns = MariadbReferencedColumns(expression, names);
  std::string body = expression;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())) != 0) {
    body.pop_back();
  }
  checked.embedded = "(" + body + ")";
  return checked;
}

Status MariadbExpressionChecker::CheckType(const std::string& type, const std::string& what) {
  ZS_RETURN_IF_ERROR(RequirePinnedSqlMode());
  auto reject = [&](const std::string& reason) {
    return InvalidInput(what + ": `" + MariadbCheckShown(type) +
                        "` is not a MariaDB column type: " + reason +
                        "; write a plain type such as `VARCHAR(255)`, `INT` or "
                        "`DATETIME(6)`");
  };
  std::string problem = MariadbTypeProblem(type);
  if (!problem.empty()) return reject(problem);
  const std::string head = "CREATE TEMPORARY TABLE zs_type_check";
  const std::string prefix = head + "\n(c ";
  const std::string statement = prefix + type + "\n)";
  Status prepared = Prepare(statement);
  const int number = mysql::ErrorNumber(prepared);
  if (number == 0 && !prepared.ok()) return prepared.WithContext(what + ": checking the type");
  if (MariadbCheckIsClientError(number)) return prepared.WithContext(what + ": checking the type");
  if (number == kMariadbSyntaxError) {
    return reject("syntax error " + MariadbCheckSyntaxWhere(MariadbCheckServerText(prepared),
                                                            statement, prefix.size(), type.size()));
  }
  if (!prepared.ok() && number != kMariadbNotPreparable) {
    return reject(MariadbCheckServerText(prepared));
  }
  // Measured on 10.11: PREPARE finds unknown types, bad precisions, widths
  // and charsets; only creating finds VARCHAR(70000) and ENUM('a', 'a').
  ZS_RETURN_IF_ERROR(conn_.Run("DROP TEMPORARY TABLE IF EXISTS zs_type_check"));
  Status created = conn_.Run(statement);
  if (!created.ok()) {
    if (MariadbCheckIsClientError(mysql::ErrorNumber(created))) return created;
    return reject(MariadbCheckServerText(created, head));
  }
  return conn_.Run("DROP TEMPORARY TABLE zs_type_check");
}

Status MariadbExpressionChecker::CheckIdentifier(const std::string& name, const std::string& what) {
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c != '`' && c != '"' && c != ';' && std::isspace(c) == 0 && c >= 0x20 && c != 0x7f) {
      continue;
    }
    return InvalidInput(
        what + ": `" + name + "` contains " +
        (c == '`' ? std::string("a backtick") : "`" + std::string(1, name[i]) + "`") +
        " at position " + std::to_string(i + 1) +
        "; identifiers must be plain names without quotes, whitespace, "
        "semicolons or control characters");
  }
  Result<std::string> quoted = mysql::QuoteIdentifierChecked(name);
  if (!quoted.ok()) return InvalidInput(what + ": " + quoted.status().message());
  return Status::Ok();
}

Result<std::vector<Statement>> MariadbExpressionChecker::CheckStatements(const std::string& sql,
                                                                         const std::string& what) {
  ZS_RETURN_IF_ERROR(RequirePinnedSqlMode());
  ZS_ASSIGN_OR_RETURN(std::vector<MariadbStatementText> texts, MariadbSplitStatements(sql, what));
  std::vector<Statement> statements;
  for (MariadbStatementText& text : texts) {
    Status prepared = Prepare(text.text);
    const int number = mysql::ErrorNumber(prepared);
    if (number == 0 && !prepared.ok()) return prepared.WithContext(what);
    if (MariadbCheckIsClientError(number)) return prepared.WithContext(what);
    if (number == kMariadbSyntaxError) {
      std::string shown = MariadbCheckShown(text.text);
      return InvalidInput(what + ": `" + shown + "` does not parse on MariaDB: syntax error " +
                          MariadbCheckSyntaxWhere(MariadbCheckServerText(prepared), text.text, 0,
                                                  text.text.size()) +
                          "; fix the statement (MariaDB's syntax; one statement per `;`)");
    }
    Statement statement;
    // Each statement commits on its own on MariaDB (DDL commits implicitly),
    // so none can share a transaction with zeroshift's statements: each is
    // an Action of its own.
    statement.outside_transaction = true;
    statement.transaction_control = MariadbCheckIsTransactionControl(text.first_word);
    statement.text = std::move(text.text);
    statements.push_back(std::move(statement));
  }
  return statements;
}

}  // namespace zs::sqlcheck
