#include "sqlcheck/parse.h"

#include <algorithm>
#include <cctype>

namespace zs::sqlcheck {

Parsed Parse(const std::string& sql) {
  Parsed parsed;
  sqlparse::SyntaxError syntax;
  Result<sqlparse::ParseTree> tree = sqlparse::Parse(sql, &syntax);
  if (!tree.ok()) {
    parsed.error = syntax.message;
    parsed.cursor = syntax.cursor;
    return parsed;
  }
  // Code elsewhere (the engine, the ops) embeds what passes here into SQL of
  // its own; refuse what no hand-written SQL needs.
  if (size_t depth = tree->root().Depth(); depth > kMaxTreeDepth) {
    parsed.error = "the SQL nests too deeply (" + std::to_string(depth / 2) +
                   " levels of operators, calls or subqueries, the limit is " +
                   std::to_string(kMaxTreeDepth / 2) + "); split it or simplify it";
    return parsed;
  }
  parsed.tree = std::move(*tree);
  return parsed;
}

std::string ParserReason(const Parsed& parsed, size_t prefix_length, size_t text_length) {
  long position = static_cast<long>(parsed.cursor) - static_cast<long>(prefix_length);
  if (parsed.cursor <= 0) return parsed.error;
  if (position > static_cast<long>(text_length)) return parsed.error + " at end of expression";
  return parsed.error + " at position " + std::to_string(std::max(position, 1L));
}

bool IsBlank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

JsonValue OnlyStatementOfKind(const sqlparse::ParseTree& tree, std::string_view kind) {
  JsonValue stmts = tree.statements();
  if (stmts.size() != 1) return {};
  JsonValue node = stmts.front()["stmt"][kind];
  return node.is_object() ? node : JsonValue();
}

}  // namespace zs::sqlcheck
