// The one door to libpg_query (PostgreSQL 15's own grammar): nothing else in
// zeroshift includes pg_query.h. It owns the library's results (freed however
// the scope is left), rejects what the C interface would misread (a NUL
// byte), reports a rejection as a Status with the parser's position, and
// hands back the one parse-tree type, sqlparse/tree.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sqlparse/tree.h"

namespace zs::sqlparse {

// The parser's name, for messages that tell the user whose grammar rejected a text.
inline constexpr std::string_view kParserName = "libpg_query";

// Where and why the parser rejected a text.
struct SyntaxError {
  std::string message;  // the parser's own words, e.g. `syntax error at or near ")"`
  int cursor = 0;       // 1-based character position in the parsed text; 0 when unknown
};

// A parsed text. Copies share one tree, and the JsonValues read from it stay
// valid while any copy lives.
class ParseTree {
 public:
  ParseTree() = default;

  // {"version": ..., "stmts": [...]}; missing for a default-constructed tree.
  JsonValue root() const;
  // One {"stmt": {...}, "stmt_location": n, "stmt_len": n} per statement.
  JsonValue statements() const { return root()["stmts"]; }

 private:
  friend Result<ParseTree> Parse(std::string_view sql, SyntaxError* error);
  struct Storage;
  std::shared_ptr<const Storage> storage_;
};

// Parses `sql`, zero or more statements. A rejected text is kInvalidInput
// "<parser message>[ at position N]" and, when `error` is given, the message
// and the cursor apart, for callers that count positions in their own text
// rather than in `sql`. A tree the library writes but the reader cannot read
// is kInternal.
// REQUIRES: a stack deep enough for the text: libpg_query recurses as deep as
// the SQL nests (lint parses on a large stack, lint/source.h).
Result<ParseTree> Parse(std::string_view sql, SyntaxError* error = nullptr);

// The extent of a statement (an element of statements()) in the parsed text.
struct Extent {
  size_t begin = 0;
  size_t length = 0;  // 0: up to the end of the text
};
Extent StatementExtent(JsonValue raw_stmt);

// One statement of a parsed text: its node ({"CreateStmt": {...}}) and the
// text the parser cut for it, which runs from just after the previous
// statement's `;` (so it may start with space and comments) to just before
// its own `;`, or to the end of the text for the last statement.
struct StatementText {
  JsonValue stmt;
  std::string_view text;
};
// The statements of `tree`, a parse of `sql`, in order.
std::vector<StatementText> SplitStatements(const ParseTree& tree, std::string_view sql);

// The byte offset of 1-based character position `cursor` in UTF-8 `text`.
uint32_t CursorToByte(std::string_view text, int cursor);

}  // namespace zs::sqlparse
