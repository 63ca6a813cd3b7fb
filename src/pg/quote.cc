#include "pg/quote.h"

namespace zs::pg {

namespace {
std::string Doubled(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back(quote);
  for (char c : text) {
    if (c == quote) out.push_back(quote);
    out.push_back(c);
  }
  out.push_back(quote);
  return out;
}
}  // namespace

std::string QuoteIdent(std::string_view name) { return Doubled(name, '"'); }

std::string QualifiedName(std::string_view schema, std::string_view name) {
  return QuoteIdent(schema) + "." + QuoteIdent(name);
}

std::string QuoteLiteral(std::string_view value) { return Doubled(value, '\''); }

std::string QuoteIdentList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += QuoteIdent(name);
  }
  return out;
}

std::string MillisecondsLiteral(std::chrono::milliseconds value) {
  return QuoteLiteral(std::to_string(value.count()) + "ms");
}

}  // namespace zs::pg
