// A PostgreSQL token scanner for the linter: it finds statement boundaries,
// comments and token extents without the server's parser, so that a broken
// statement never hides the rest of a file. It follows scan.l for what matters
// to those boundaries: quoted strings (standard, E'', U&'', B'', X''),
// dollar quotes, quoted identifiers, nested block comments and line comments.
#pragma once

#include <cstdint>
#include <string_view>

namespace zs::lint {

enum class TokenKind : uint8_t {
  kWord,          // identifier or keyword (also a$b)
  kQuotedIdent,   // "..." or U&"..."
  kString,        // '...', E'...', B'...', X'...', N'...', U&'...'
  kDollarString,  // $tag$...$tag$
  kNumber,
  kParam,     // $1
  kOperator,  // + - * / < > = ~ ! @ # % ^ & | ` ? and runs of them, "::"
  kPunct,     // ( ) [ ] , ; : .
  kLineComment,
  kBlockComment,
  kOther,  // a byte no token starts with (binary input)
};

struct Token {
  TokenKind kind = TokenKind::kOther;
  uint32_t begin = 0;  // byte offsets into the scanned text
  uint32_t end = 0;
  bool unterminated = false;  // a quote or comment that runs to the end of the text

  std::string_view Text(std::string_view text) const { return text.substr(begin, end - begin); }
  bool IsComment() const {
    return kind == TokenKind::kLineComment || kind == TokenKind::kBlockComment;
  }
};

// Scans `text` token by token, skipping whitespace. Never fails: what does
// not form a token becomes a one-byte kOther token.
// REQUIRES: text.size() < 4 GiB (offsets are 32-bit).
class Lexer {
 public:
  explicit Lexer(std::string_view text, uint32_t start = 0) : text_(text), pos_(start) {}

  // The next token, comments included; false at the end of the text.
  bool Next(Token& token);
  // The next token that is not a comment.
  bool NextCode(Token& token);

 private:
  void ScanQuoted(Token& token, char quote, bool backslash_escapes);
  void ScanDollar(Token& token, uint32_t tag_end);
  void ScanBlockComment(Token& token);
  void ScanOperator(Token& token);
  void ScanNumber(Token& token);
  void ScanWord(Token& token);

  std::string_view text_;
  uint32_t pos_;
};

// True when `token` is the word `keyword` (ASCII case-insensitive; `keyword` in upper case).
bool IsKeyword(std::string_view text, const Token& token, std::string_view keyword);

}  // namespace zs::lint
