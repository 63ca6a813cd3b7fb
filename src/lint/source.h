// A SQL file cut into statements, each parsed on its own (sqlparse), so
// that one broken statement is one finding and the rest is still checked.
// Statements are found with the token scanner (lexer.h), not with the server's
// parser: that is linear in the file (a whole-file parse is not)
// and survives syntax errors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lint/tree.h"
#include "sqlparse/parser.h"

namespace zs::lint {

// 1-based line and column (in Unicode code points) of byte offsets.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  struct Position {
    int line = 1;
    int column = 1;
  };
  Position At(uint32_t offset) const;
  // The text of `line` (1-based) without its line break.
  std::string_view Line(int line) const;

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

// One statement's extent in the file, as the scanner found it.
struct Piece {
  uint32_t begin = 0;   // its first token
  uint32_t end = 0;     // after its ';', or after its last token
  uint32_t weight = 0;  // words and operators: bounds the depth of its parse tree
};

// A comment that holds a zeroshift-lint directive.
struct DirectiveComment {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct SplitResult {
  std::vector<Piece> pieces;
  std::vector<DirectiveComment> directives;
};

// Cuts `text` at every ';' outside quotes, comments and SQL-standard function
// bodies (BEGIN ATOMIC ... END). Never fails.
SplitResult SplitStatements(std::string_view text);

struct Statement {
  uint32_t begin = 0;  // byte offsets in the file
  uint32_t end = 0;
  std::string_view text;  // the file's [begin, end)
  // The parsed statement: {"AlterTableStmt": {...}}; missing when it did not parse.
  JsonValue node;
  std::string_view type;  // "AlterTableStmt"; "" when it did not parse
  JsonValue body;         // node.inner()
  std::string error;      // the parser's message when it did not parse
  uint32_t error_offset = 0;

  bool parsed() const { return node.exists(); }
  // The file offset of a node's "location" (relative to the parsed piece);
  // the statement's start when the node has none.
  uint32_t Offset(int64_t location) const;
  uint32_t OffsetOf(JsonValue body_with_location) const;

  uint32_t piece_begin = 0;   // where the piece that was parsed starts
  sqlparse::ParseTree piece;  // the parse of that piece, shared by the statements it holds
};

// Statements with more words and operators than this are not parsed: a parse
// tree that deep could exhaust even the linter's large stack.
inline constexpr uint32_t kMaxStatementWeight = 100000;

// Parses one piece of `text`. Usually one statement; none for an empty piece;
// a statement with `error` set when the parser rejects it.
// REQUIRES: run on a large stack (RunOnLargeStack): the parser recurses.
std::vector<Statement> ParsePiece(std::string_view text, const Piece& piece);

// Runs `fn` on a thread with a 512 MiB stack (reserved, not committed; one
// thread for the whole process, one job at a time) and
// waits for it: deep parse trees need it.
void RunOnLargeStack(const std::function<void()>& fn);

}  // namespace zs::lint
