#include "lint/sql_text.h"

#include <limits>
#include <memory>
#include <vector>

#include "lint/lexer.h"
#include "sqlparse/parser.h"

namespace zs::lint {
namespace {

constexpr int kMaxAttempts = 200;
constexpr int kMaxOpenParensBefore = 4;

std::vector<Token> CodeTokens(const Statement& stmt) {
  std::vector<Token> tokens;
  Lexer lexer(stmt.text);
  Token token;
  while (lexer.NextCode(token)) tokens.push_back(token);
  return tokens;
}

int64_t LeftmostLocation(JsonValue node) {
  int64_t lo = std::numeric_limits<int64_t>::max();
  auto take = [&](JsonValue v) {
    if (v.key() == "location" && v.is_number() && v.int_or(-1) >= 0) {
      lo = std::min(lo, v.int_or(-1));
    }
  };
  take(node);
  node.ForEachDescendant(take);
  return lo == std::numeric_limits<int64_t>::max() ? -1 : lo;
}

// Parses `sql` and returns the canonical text of what `pick` selects in it ("" on failure).
template <typename Pick>
std::string ParseAndPick(const std::string& sql, Pick&& pick) {
  Result<sqlparse::ParseTree> tree = sqlparse::Parse(sql);
  if (!tree.ok()) return "";
  JsonValue stmts = tree->statements();
  if (stmts.size() != 1) return "";
  JsonValue select = (*stmts.begin())["stmt"]["SelectStmt"];
  JsonValue targets = select["targetList"];
  if (!select.exists() || targets.size() != 1 || select.size() != 3) return "";
  JsonValue value = (*targets.begin())["ResTarget"]["val"];
  JsonValue picked = pick(value);
  return picked.exists() ? picked.Canonical("location") : "";
}

// Finds the shortest balanced token run starting at the token at `start`
// (or up to a few '(' before it) whose text, wrapped by `prefix`, parses to
// `expected` under `pick`.
template <typename Pick>
std::string MatchText(const Statement& stmt, uint32_t start, std::string_view prefix,
                      const std::string& expected, Pick&& pick) {
  if (expected.empty()) return "";
  std::vector<Token> tokens = CodeTokens(stmt);
  uint32_t relative = start - stmt.begin;
  size_t first = 0;
  while (first < tokens.size() && tokens[first].begin < relative) ++first;
  if (first == tokens.size()) return "";
  int attempts = 0;
  for (int back = 0; back <= kMaxOpenParensBefore && back <= static_cast<int>(first); ++back) {
    size_t s = first - back;
    if (back > 0 && stmt.text[tokens[s].begin] != '(') break;
    int depth = 0;
    for (size_t j = s; j < tokens.size() && attempts < kMaxAttempts; ++j) {
      const Token& t = tokens[j];
      char c = t.kind == TokenKind::kPunct ? stmt.text[t.begin] : '\0';
      if (c == ';') break;
      if (c == '(' || c == '[') ++depth;
      if (c == ')' || c == ']') --depth;
      if (depth < 0) break;
      if (depth != 0) continue;
      std::string_view candidate = stmt.text.substr(tokens[s].begin, t.end - tokens[s].begin);
      ++attempts;
      if (ParseAndPick(std::string(prefix) + std::string(candidate), pick) == expected) {
        return std::string(candidate);
      }
    }
  }
  return "";
}

}  // namespace

std::string ExpressionText(const Statement& stmt, JsonValue expr) {
  int64_t location = LeftmostLocation(expr);
  if (location < 0 || !stmt.parsed()) return "";
  return MatchText(stmt, stmt.Offset(location), "SELECT ", expr.Canonical("location"),
                   [](JsonValue value) { return value; });
}

std::string TypeText(const Statement& stmt, JsonValue type_name) {
  int64_t location = type_name["location"].int_or(-1);
  if (location < 0 || !stmt.parsed()) return "";
  return MatchText(stmt, stmt.Offset(location), "SELECT NULL::", type_name.Canonical("location"),
                   [](JsonValue value) { return value["TypeCast"]["typeName"]; });
}

std::string_view StatementBody(const Statement& stmt) {
  std::string_view text = stmt.text;
  auto trim = [&] {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t' ||
                             text.back() == '\r')) {
      text.remove_suffix(1);
    }
  };
  trim();
  if (!text.empty() && text.back() == ';') text.remove_suffix(1);
  trim();
  return text;
}

std::optional<uint32_t> FindKeyword(const Statement& stmt, uint32_t from,
                                    std::string_view keyword) {
  Lexer lexer(stmt.text);
  Token token;
  uint32_t relative = from > stmt.begin ? from - stmt.begin : 0;
  while (lexer.NextCode(token)) {
    if (token.begin >= relative && IsKeyword(stmt.text, token, keyword)) {
      return stmt.begin + token.begin;
    }
  }
  return std::nullopt;
}

std::string InsertAfterKeyword(const Statement& stmt, uint32_t from, std::string_view keyword,
                               std::string_view insert) {
  std::optional<uint32_t> at = FindKeyword(stmt, from, keyword);
  if (!at) return "";
  std::string_view body = StatementBody(stmt);
  size_t split = *at - stmt.begin + keyword.size();
  if (split > body.size()) return "";
  return std::string(body.substr(0, split)) + std::string(insert) +
         std::string(body.substr(split)) + ";";
}

}  // namespace zs::lint
