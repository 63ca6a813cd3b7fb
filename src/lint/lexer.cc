#include "lint/lexer.h"

namespace zs::lint {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsIdentStart(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || u >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOperatorChar(char c) {
  switch (c) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '<':
    case '>':
    case '=':
    case '~':
    case '!':
    case '@':
    case '#':
    case '%':
    case '^':
    case '&':
    case '|':
    case '`':
    case '?':
      return true;
    default:
      return false;
  }
}
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

bool IsKeyword(std::string_view text, const Token& token, std::string_view keyword) {
  if (token.kind != TokenKind::kWord || token.end - token.begin != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (Upper(text[token.begin + i]) != keyword[i]) return false;
  }
  return true;
}

bool Lexer::NextCode(Token& token) {
  while (Next(token)) {
    if (!token.IsComment()) return true;
  }
  return false;
}

bool Lexer::Next(Token& token) {
  const uint32_t size = static_cast<uint32_t>(text_.size());
  while (pos_ < size && IsSpace(text_[pos_])) ++pos_;
  if (pos_ >= size) return false;
  token = Token{};
  token.begin = pos_;
  const char c = text_[pos_];
  const char next = pos_ + 1 < size ? text_[pos_ + 1] : '\0';
  if (c == '-' && next == '-') {
    token.kind = TokenKind::kLineComment;
    while (pos_ < size && text_[pos_] != '\n') ++pos_;
    token.end = pos_;
    return true;
  }
  if (c == '/' && next == '*') {
    ScanBlockComment(token);
    return true;
  }
  if (c == '\'') {
    ScanQuoted(token, '\'', false);
    return true;
  }
  if (c == '"') {
    token.kind = TokenKind::kQuotedIdent;
    ScanQuoted(token, '"', false);
    return true;
  }
  // Prefixed strings: E'..', B'..', X'..', N'..', U&'..', U&"..".
  if ((c == 'e' || c == 'E') && next == '\'') {
    ++pos_;
    ScanQuoted(token, '\'', true);
    return true;
  }
  if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && next == '\'') {
    ++pos_;
    ScanQuoted(token, '\'', false);
    return true;
  }
  if ((c == 'u' || c == 'U') && next == '&' && pos_ + 2 < size &&
      (text_[pos_ + 2] == '\'' || text_[pos_ + 2] == '"')) {
    char quote = text_[pos_ + 2];
    pos_ += 2;
    if (quote == '"') token.kind = TokenKind::kQuotedIdent;
    ScanQuoted(token, quote, false);
    return true;
  }
  if (c == '$') {
    if (IsDigit(next)) {
      token.kind = TokenKind::kParam;
      ++pos_;
      while (pos_ < size && IsDigit(text_[pos_])) ++pos_;
      token.end = pos_;
      return true;
    }
    // $tag$ where tag is empty or an identifier without '$'.
    uint32_t p = pos_ + 1;
    if (p < size && IsIdentStart(text_[p])) {
      ++p;
      while (p < size && IsIdentChar(text_[p]) && text_[p] != '$') ++p;
    }
    if (p < size && text_[p] == '$') {
      ScanDollar(token, p + 1);
      return true;
    }
  }
  if (IsIdentStart(c)) {
    ScanWord(token);
    return true;
  }
  if (IsDigit(c) || (c == '.' && IsDigit(next))) {
    ScanNumber(token);
    return true;
  }
  if (c == ':' && next == ':') {
    token.kind = TokenKind::kOperator;
    pos_ += 2;
    token.end = pos_;
    return true;
  }
  if (IsOperatorChar(c)) {
    ScanOperator(token);
    return true;
  }
  token.kind =
      (c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == ';' || c == ':' || c == '.')
          ? TokenKind::kPunct
          : TokenKind::kOther;
  ++pos_;
  token.end = pos_;
  return true;
}

// REQUIRES: pos_ at the opening quote. A doubled quote stands for itself.
void Lexer::ScanQuoted(Token& token, char quote, bool backslash_escapes) {
  if (token.kind == TokenKind::kOther) token.kind = TokenKind::kString;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  ++pos_;
  while (pos_ < size) {
    char c = text_[pos_];
    if (backslash_escapes && c == '\\') {
      pos_ += 2;
      continue;
    }
    if (c == quote) {
      if (pos_ + 1 < size && text_[pos_ + 1] == quote) {
        pos_ += 2;
        continue;
      }
      ++pos_;
      token.end = pos_;
      return;
    }
    ++pos_;
  }
  pos_ = size;
  token.end = size;
  token.unterminated = true;
}

// REQUIRES: text_[pos_, tag_end) is the opening "$tag$".
void Lexer::ScanDollar(Token& token, uint32_t tag_end) {
  token.kind = TokenKind::kDollarString;
  std::string_view tag = text_.substr(pos_, tag_end - pos_);
  size_t close = text_.find(tag, tag_end);
  if (close == std::string_view::npos) {
    pos_ = static_cast<uint32_t>(text_.size());
    token.end = pos_;
    token.unterminated = true;
    return;
  }
  pos_ = static_cast<uint32_t>(close + tag.size());
  token.end = pos_;
}

void Lexer::ScanBlockComment(Token& token) {
  token.kind = TokenKind::kBlockComment;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  pos_ += 2;
  int depth = 1;
  while (pos_ < size) {
    if (text_[pos_] == '/' && pos_ + 1 < size && text_[pos_ + 1] == '*') {
      ++depth;
      pos_ += 2;
    } else if (text_[pos_] == '*' && pos_ + 1 < size && text_[pos_ + 1] == '/') {
      pos_ += 2;
      if (--depth == 0) {
        token.end = pos_;
        return;
      }
    } else {
      ++pos_;
    }
  }
  token.end = size;
  token.unterminated = true;
}

// An operator ends where a comment starts ("a+-- x" is "+" then a comment).
void Lexer::ScanOperator(Token& token) {
  token.kind = TokenKind::kOperator;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  ++pos_;
  while (pos_ < size && IsOperatorChar(text_[pos_])) {
    char c = text_[pos_];
    char next = pos_ + 1 < size ? text_[pos_ + 1] : '\0';
    if ((c == '-' && next == '-') || (c == '/' && next == '*')) break;
    ++pos_;
  }
  token.end = pos_;
}

void Lexer::ScanNumber(Token& token) {
  token.kind = TokenKind::kNumber;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  while (pos_ < size) {
    char c = text_[pos_];
    if (IsDigit(c) || IsIdentStart(c) || c == '.') {
      // "1..2" is not a number run; stop before a second dot pair.
      if (c == '.' && pos_ + 1 < size && text_[pos_ + 1] == '.') break;
      ++pos_;
    } else if ((c == '+' || c == '-') && pos_ > token.begin &&
               (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')) {
      ++pos_;
    } else {
      break;
    }
  }
  token.end = pos_;
}

void Lexer::ScanWord(Token& token) {
  token.kind = TokenKind::kWord;
  const uint32_t size = static_cast<uint32_t>(text_.size());
  while (pos_ < size && IsIdentChar(text_[pos_])) ++pos_;
  token.end = pos_;
}

}  // namespace zs::lint
