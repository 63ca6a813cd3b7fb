#include "mysql/lexical.h"

namespace zs::mysql {

size_t QuotedEnd(std::string_view sql, size_t begin) {
  const char quote = sql[begin];
  const bool backslash_escapes = quote != '`';
  size_t i = begin + 1;
  while (i < sql.size()) {
    if (backslash_escapes && sql[i] == '\\') {
      i += 2;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

}  // namespace zs::mysql
