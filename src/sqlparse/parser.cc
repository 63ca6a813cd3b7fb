#include "sqlparse/parser.h"

#include <pg_query.h>

#include <algorithm>
#include <utility>

namespace zs::sqlparse {

// The JSON text and the document that views into it: never copied or moved
// once parsed, since the document's strings point into `json`.
struct ParseTree::Storage {
  std::string json;
  JsonDoc doc;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
};

namespace {

// Frees a libpg_query parse result however the scope is left.
class ParseResult {
 public:
  explicit ParseResult(const std::string& sql) : raw_(pg_query_parse(sql.c_str())) {}
  ~ParseResult() { pg_query_free_parse_result(raw_); }
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;

  const PgQueryParseResult& operator*() const { return raw_; }
  const PgQueryParseResult* operator->() const { return &raw_; }

 private:
  PgQueryParseResult raw_;
};

Status Rejected(SyntaxError found, SyntaxError* error) {
  std::string message = found.message;
  if (found.cursor > 0) message += " at position " + std::to_string(found.cursor);
  if (error != nullptr) *error = std::move(found);
  return InvalidInput(std::move(message));
}

}  // namespace

JsonValue ParseTree::root() const { return storage_ ? storage_->doc.root() : JsonValue(); }

Result<ParseTree> Parse(std::string_view sql, SyntaxError* error) {
  // libpg_query reads a C string, so it would check only the text before a
  // NUL while callers go on to use the whole of it.
  if (size_t nul = sql.find('\0'); nul != std::string_view::npos) {
    return Rejected({"unexpected NUL byte", static_cast<int>(nul) + 1}, error);
  }
  ParseResult result{std::string(sql)};
  if (result->error != nullptr) {
    const char* message = result->error->message;
    return Rejected({message != nullptr ? message : "syntax error", result->error->cursorpos},
                    error);
  }
  auto storage = std::make_shared<ParseTree::Storage>();
  storage->json = result->parse_tree != nullptr ? result->parse_tree : "";
  std::string why;
  if (!storage->doc.Parse(storage->json, &why) || !storage->doc.root().is_object()) {
    std::string message = "internal error: libpg_query returned an unreadable parse tree";
    if (!why.empty()) message += " (" + why + ")";
    if (error != nullptr) *error = {message, 0};
    return Internal(message);
  }
  ParseTree tree;
  tree.storage_ = std::move(storage);
  return tree;
}

Extent StatementExtent(JsonValue raw_stmt) {
  return {static_cast<size_t>(std::max<int64_t>(raw_stmt["stmt_location"].int_or(0), 0)),
          static_cast<size_t>(std::max<int64_t>(raw_stmt["stmt_len"].int_or(0), 0))};
}

std::vector<StatementText> SplitStatements(const ParseTree& tree, std::string_view sql) {
  std::vector<StatementText> out;
  for (JsonValue raw : tree.statements()) {
    Extent extent = StatementExtent(raw);
    std::string_view rest = sql.substr(std::min(extent.begin, sql.size()));
    out.push_back({raw["stmt"], extent.length == 0 ? rest : rest.substr(0, extent.length)});
  }
  return out;
}

uint32_t CursorToByte(std::string_view text, int cursor) {
  if (cursor <= 1) return 0;
  int chars = 0;
  for (uint32_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars == cursor) return i;
    }
  }
  return static_cast<uint32_t>(text.size());
}

}  // namespace zs::sqlparse
