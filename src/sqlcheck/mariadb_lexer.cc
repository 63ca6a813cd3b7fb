#include "sqlcheck/mariadb_lexer.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>

#include "mysql/lexical.h"

namespace zs::sqlcheck {
namespace {

bool MariadbLexIsWordByte(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '$' || c >= 0x80;
}

std::string MariadbLexUpper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string MariadbLexUnquoteName(std::string_view quoted) {
  std::string name;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    name += quoted[i];
    if (quoted[i] == '`') ++i;  // `` is one backtick
  }
  return name;
}

// `--` starts a comment only when followed by whitespace, a control
// character or the end (MariaDB's rule): `1--1` is 1 - (-1).
bool MariadbLexIsDashComment(std::string_view sql, size_t i) {
  if (sql.compare(i, 2, "--") != 0) return false;
  if (i + 2 >= sql.size()) return true;
  unsigned char next = static_cast<unsigned char>(sql[i + 2]);
  return std::isspace(next) != 0 || next < 0x20;
}

Status MariadbLexUnterminated(const char* what, size_t at) {
  return InvalidInput(std::string("unterminated ") + what + " starting at position " +
                      std::to_string(at + 1) + "; close it");
}

// Lexes the token at `i` (not whitespace) into `token`; returns its end.
Result<size_t> MariadbLexLexOne(std::string_view sql, size_t i, MariadbToken& token) {
  const unsigned char c = static_cast<unsigned char>(sql[i]);
  size_t end = i + 1;
  token.kind = MariadbTokenKind::kSymbol;
  if (c == '\'' || c == '"' || c == '`') {
    end = mysql::QuotedEnd(sql, i);
    if (end == std::string_view::npos) {
      return MariadbLexUnterminated(c == '`' ? "quoted name" : "string", i);
    }
    token.kind = c == '`' ? MariadbTokenKind::kQuotedName : MariadbTokenKind::kString;
  } else if (sql.compare(i, 2, "/*") == 0) {
    size_t close = sql.find("*/", i + 2);
    if (close == std::string_view::npos) return MariadbLexUnterminated("comment", i);
    end = close + 2;
    token.kind = MariadbTokenKind::kComment;
    token.executable_comment = sql.compare(i, 3, "/*!") == 0 || sql.compare(i, 4, "/*M!") == 0;
  } else if (c == '#' || MariadbLexIsDashComment(sql, i)) {
    end = std::min(sql.size(), sql.find('\n', i));
    token.kind = MariadbTokenKind::kComment;
    token.line_comment = true;
  } else if (MariadbLexIsWordByte(c)) {
    while (end < sql.size() && MariadbLexIsWordByte(static_cast<unsigned char>(sql[end]))) ++end;
    token.kind = std::isdigit(c) != 0 ? MariadbTokenKind::kNumber : MariadbTokenKind::kWord;
  }
  return end;
}

bool MariadbLexIsSymbol(const MariadbToken& token, char symbol) {
  return token.kind == MariadbTokenKind::kSymbol && token.text.size() == 1 &&
         token.text[0] == symbol;
}

// True when tokens[i] and tokens[i + 1] are the two adjacent symbols `pair`.
bool MariadbLexIsPair(const std::vector<MariadbToken>& tokens, size_t i, const char* pair) {
  return i + 1 < tokens.size() && MariadbLexIsSymbol(tokens[i], pair[0]) &&
         MariadbLexIsSymbol(tokens[i + 1], pair[1]) && tokens[i].end == tokens[i + 1].begin;
}

bool MariadbLexIsWord(const MariadbToken& token, std::string_view upper) {
  return token.kind == MariadbTokenKind::kWord && MariadbLexUpper(token.text) == upper;
}

// The next token after `i` that is not a comment, or nullptr.
const MariadbToken* MariadbLexNextCode(const std::vector<MariadbToken>& tokens, size_t i) {
  for (size_t j = i + 1; j < tokens.size(); ++j) {
    if (tokens[j].kind != MariadbTokenKind::kComment) return &tokens[j];
  }
  return nullptr;
}

std::string MariadbLexQuoted(const MariadbToken& token) { return "`" + token.text + "`"; }

// The guard every embedded text passes (expressions, types): one reason or "".
std::string MariadbLexCommonProblem(const std::vector<MariadbToken>& tokens) {
  int depth = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const MariadbToken& t = tokens[i];
    if (t.executable_comment) {
      return "it contains an executable comment " + MariadbLexQuoted(t) +
             ", whose text MariaDB runs; remove it, or write the text outside a comment";
    }
    if (t.line_comment) {
      return "it contains a line comment " + MariadbLexQuoted(t) +
             ", which would hide the text zeroshift puts after the expression; remove it or "
             "use /* ... */";
    }
    if (MariadbLexIsSymbol(t, ';')) {
      return "it contains `;` outside a string, which would end the statement; remove it (one "
             "expression, no further statements)";
    }
    if (MariadbLexIsPair(tokens, i, ":=")) {
      return "it contains the assignment `:=`, which would change a variable of the session; "
             "remove it";
    }
    if (MariadbLexIsSymbol(t, '@')) {
      return "it reads or writes a variable (`@`): user variables such as @zeroshift_version "
             "choose the dual-write direction, and session variables differ between the "
             "backfill's session and the application's; use columns and constants only";
    }
    if (MariadbLexIsSymbol(t, '?')) {
      return "it contains a `?` placeholder outside a string; write the value itself";
    }
    if (MariadbLexIsPair(tokens, i, "::")) {
      return "it contains PostgreSQL's cast `::`; write CAST(value AS type), e.g. "
             "CAST(price AS DECIMAL(10, 2))";
    }
    if (MariadbLexIsPair(tokens, i, "||")) {
      return "it contains `||`, which is OR in MariaDB's sql_mode (so 'a' || 'b' is 0), not "
             "concatenation; write CONCAT(first_name, ' ', last_name) to join strings, or OR";
    }
    if (MariadbLexIsSymbol(t, '(')) ++depth;
    if (MariadbLexIsSymbol(t, ')') && --depth < 0) {
      return "it closes a parenthesis it did not open (at position " + std::to_string(t.begin + 1) +
             "), which would end zeroshift's own parentheses; balance the parentheses";
    }
  }
  if (depth != 0) return "its parentheses are not balanced; close every `(`";
  return "";
}

Result<std::vector<MariadbToken>> MariadbLexLexOrProblem(std::string_view text,
                                                         std::string& problem) {
  Result<std::vector<MariadbToken>> tokens = LexMariadb(text);
  if (!tokens.ok()) problem = "it has an " + tokens.status().message();
  return tokens;
}

bool MariadbLexIsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

}  // namespace

Result<std::vector<MariadbToken>> LexMariadb(std::string_view sql) {
  std::vector<MariadbToken> tokens;
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i])) != 0) {
      ++i;
      continue;
    }
    MariadbToken token;
    ZS_ASSIGN_OR_RETURN(size_t end, MariadbLexLexOne(sql, i, token));
    token.begin = i;
    token.end = end;
    std::string_view raw = sql.substr(i, end - i);
    token.text =
        token.kind == MariadbTokenKind::kQuotedName ? MariadbLexUnquoteName(raw) : std::string(raw);
    tokens.push_back(std::move(token));
    i = end;
  }
  return tokens;
}

std::string MariadbWithoutFinalSemicolon(const std::string& expression) {
  Result<std::vector<MariadbToken>> tokens = LexMariadb(expression);
  if (!tokens.ok()) return expression;
  std::vector<const MariadbToken*> semicolons;
  const MariadbToken* last_code = nullptr;
  for (const MariadbToken& t : *tokens) {
    if (MariadbLexIsSymbol(t, ';')) semicolons.push_back(&t);
    if (t.kind != MariadbTokenKind::kComment) last_code = &t;
  }
  if (semicolons.size() != 1 || semicolons.front() != last_code) return expression;
  return expression.substr(0, last_code->begin);
}

std::string MariadbExpressionProblem(std::string_view expression) {
  if (MariadbLexIsBlank(expression)) {
    return "it is empty; write one value expression, e.g. `SUBSTRING_INDEX(name, ' ', 1)`";
  }
  std::string problem;
  Result<std::vector<MariadbToken>> tokens = MariadbLexLexOrProblem(expression, problem);
  if (!tokens.ok()) return problem;
  problem = MariadbLexCommonProblem(*tokens);
  if (!problem.empty()) return problem;
  for (size_t i = 0; i < tokens->size(); ++i) {
    const MariadbToken& t = (*tokens)[i];
    const MariadbToken* next = MariadbLexNextCode(*tokens, i);
    if (t.kind != MariadbTokenKind::kWord || next == nullptr || !MariadbLexIsSymbol(*next, '(')) {
      continue;
    }
    // zeroshift's schema lock is a GET_LOCK held by its own session: a
    // backfill evaluating RELEASE_LOCK would drop it.
    for (const char* lock : {"GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS"}) {
      if (MariadbLexIsWord(t, lock)) {
        return "it calls " + std::string(lock) +
               ", which would take or release a named lock (zeroshift's own schema lock is "
               "one); remove the call";
      }
    }
  }
  return "";
}

std::string MariadbTypeProblem(std::string_view type) {
  if (MariadbLexIsBlank(type)) return "it is empty";
  std::string problem;
  Result<std::vector<MariadbToken>> tokens = MariadbLexLexOrProblem(type, problem);
  if (!tokens.ok()) return problem;
  problem = MariadbLexCommonProblem(*tokens);
  if (!problem.empty()) return problem;
  int depth = 0;
  for (const MariadbToken& t : *tokens) {
    if (MariadbLexIsSymbol(t, '(')) ++depth;
    if (MariadbLexIsSymbol(t, ')')) --depth;
    if (depth > 0) continue;
    if (MariadbLexIsSymbol(t, ',')) return "it has a `,` outside parentheses: one type only";
    for (const char* attribute :
         {"DEFAULT",        "NULL",       "NOT",        "PRIMARY",   "KEY",
          "UNIQUE",         "CHECK",      "REFERENCES", "GENERATED", "AS",
          "AUTO_INCREMENT", "COMMENT",    "INVISIBLE",  "ON",        "STORED",
          "VIRTUAL",        "PERSISTENT", "CONSTRAINT", "FIRST",     "AFTER",
          "WITH",           "SELECT"}) {
      if (MariadbLexIsWord(t, attribute)) {
        return "it has the column attribute `" + t.text +
               "` after the type; give the type alone and the attribute in its own field "
               "(nullable, default, unique, check, references)";
      }
    }
  }
  return "";
}

std::vector<std::string> MariadbReferencedColumns(std::string_view expression,
                                                  const std::vector<std::string>& columns) {
  std::vector<std::string> found;
  Result<std::vector<MariadbToken>> tokens = LexMariadb(expression);
  if (!tokens.ok()) return found;
  const std::vector<MariadbToken>& all = *tokens;
  for (size_t i = 0; i < all.size(); ++i) {
    const MariadbToken& t = all[i];
    if (t.kind != MariadbTokenKind::kWord && t.kind != MariadbTokenKind::kQuotedName) continue;
    const MariadbToken* next = MariadbLexNextCode(all, i);
    if (next != nullptr && (MariadbLexIsSymbol(*next, '(') || MariadbLexIsSymbol(*next, '.')))
      continue;
    if (i > 0 && MariadbLexIsSymbol(all[i - 1], '.')) continue;
    std::string upper = MariadbLexUpper(t.text);
    for (const std::string& column : columns) {
      if (MariadbLexUpper(column) != upper) continue;
      if (std::find(found.begin(), found.end(), column) == found.end()) found.push_back(column);
      break;
    }
  }
  return found;
}

std::string MariadbDoubleQuotedColumn(std::string_view expression,
                                      const std::vector<std::string>& columns) {
  Result<std::vector<MariadbToken>> tokens = LexMariadb(expression);
  if (!tokens.ok()) return "";
  for (const MariadbToken& t : *tokens) {
    if (t.kind != MariadbTokenKind::kString || t.text.size() < 2 || t.text[0] != '"') continue;
    std::string inner = MariadbLexUpper(std::string_view(t.text).substr(1, t.text.size() - 2));
    for (const std::string& column : columns) {
      if (MariadbLexUpper(column) == inner) return column;
    }
  }
  return "";
}

namespace {

// Why one statement of a `sql` operation may not be sent, or "".
std::string MariadbLexStatementProblem(const std::vector<MariadbToken>& tokens,
                                       const std::string& first) {
  if (first == "DELIMITER") {
    return "DELIMITER is a command of the mariadb client, not SQL; remove it and end each "
           "statement with `;` (a compound statement with `;` inside, such as a trigger or "
           "procedure body, cannot be sent: write single statements)";
  }
  if (first == "SET") {
    return "SET changes the session zeroshift runs in (its sql_mode, @zeroshift_version); "
           "remove it, and write SET GLOBAL changes outside the migration";
  }
  if (first == "USE") return "USE would switch the database; qualify names instead";
  if (first == "PREPARE" || first == "EXECUTE" || first == "DEALLOCATE") {
    return first + " runs SQL zeroshift cannot check; write the statement itself";
  }
  if (first == "LOCK" || first == "UNLOCK") {
    return "LOCK/UNLOCK TABLES would hold (or drop) table locks across zeroshift's steps; "
           "remove it: zeroshift takes the locks each step needs";
  }
  bool begin = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const MariadbToken& t = tokens[i];
    if (t.executable_comment) {
      return "it contains an executable comment " + MariadbLexQuoted(t) +
             ", whose text MariaDB runs; write the text outside a comment";
    }
    if (MariadbLexIsSymbol(t, '@')) {
      return "it reads or writes a variable (`@`): @zeroshift_version chooses the dual-write "
             "direction and must stay as zeroshift set it; use constants (account names "
             "'user'@'host' too: manage accounts outside migrations)";
    }
    if (MariadbLexIsPair(tokens, i, ":=")) return "it contains the assignment `:=`; remove it";
    begin = begin || MariadbLexIsWord(t, "BEGIN");
  }
  if (begin && (first == "CREATE" || first == "BEGIN") &&
      (first != "BEGIN" || (tokens.size() > 1 && MariadbLexIsWord(tokens[1], "NOT")))) {
    return "it is a compound statement (BEGIN ... END): its `;` split it, and zeroshift sends "
           "each statement alone; write single statements";
  }
  return "";
}

std::string MariadbLexShortText(std::string_view text) {
  return text.size() <= 200 ? std::string(text) : std::string(text.substr(0, 200)) + "...";
}

}  // namespace

Result<std::vector<MariadbStatementText>> MariadbSplitStatements(std::string_view sql,
                                                                 const std::string& what) {
  Result<std::vector<MariadbToken>> lexed = LexMariadb(sql);
  if (!lexed.ok()) {
    return InvalidInput(what + ": the SQL has an " + lexed.status().message());
  }
  std::vector<MariadbStatementText> statements;
  std::vector<MariadbToken> current;
  auto flush = [&]() -> Status {
    std::vector<MariadbToken> code;
    // Checked before comments are trimmed: a trailing /*! */ runs too.
    for (const MariadbToken& t : current) {
      if (!t.executable_comment) continue;
      return InvalidInput(what + ": `" +
                          MariadbLexShortText(sql.substr(
                              current.front().begin, current.back().end - current.front().begin)) +
                          "` cannot run in a migration: it contains an executable comment " +
                          MariadbLexQuoted(t) +
                          ", whose text MariaDB runs; write the text outside a comment");
    }
    for (const MariadbToken& t : current) {
      if (t.kind != MariadbTokenKind::kComment || !code.empty()) code.push_back(t);
    }
    while (!code.empty() && code.back().kind == MariadbTokenKind::kComment) code.pop_back();
    current.clear();
    if (code.empty()) return Status::Ok();
    MariadbStatementText statement;
    statement.text =
        std::string(sql.substr(code.front().begin, code.back().end - code.front().begin));
    statement.first_word =
        code.front().kind == MariadbTokenKind::kWord ? MariadbLexUpper(code.front().text) : "";
    std::string problem = MariadbLexStatementProblem(code, statement.first_word);
    if (!problem.empty()) {
      return InvalidInput(what + ": `" + MariadbLexShortText(statement.text) +
                          "` cannot run in a migration: " + problem);
    }
    statements.push_back(std::move(statement));
    return Status::Ok();
  };
  for (MariadbToken& t : *lexed) {
    if (MariadbLexIsSymbol(t, ';')) {
      ZS_RETURN_IF_ERROR(flush());
    } else {
      current.push_back(std::move(t));
    }
  }
  ZS_RETURN_IF_ERROR(flush());
  if (statements.empty()) {
    return InvalidInput(what + ": no SQL statement found; write at least one statement");
  }
  return statements;
}

}  // namespace zs::sqlcheck
