#include "backend/backend.h"

#include <cctype>

#include <fmt/format.h>

#include "backend/mariadb_backend.h"
#include "backend/postgres_backend.h"

namespace zs::backend {

namespace {

constexpr std::string_view kAcceptedConninfoForms =
    "postgres:// and postgresql:// URLs and libpq key=value strings (\"host=... dbname=...\") "
    "for PostgreSQL, mariadb:// and mysql:// URLs for MariaDB";

// The scheme of "scheme://...", RFC 3986 letters only (so never a password:
// a scheme has no ':' or '@'); none when `conninfo` is not such a URL.
std::optional<std::string> ConninfoUrlScheme(std::string_view conninfo) {
  size_t end = 0;
  while (end < conninfo.size()) {
    unsigned char c = static_cast<unsigned char>(conninfo[end]);
    bool letter = std::isalpha(c) != 0;
    if (!(letter || (end > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.')))) break;
    ++end;
  }
  if (end == 0 || conninfo.substr(end, 3) != "://") return std::nullopt;
  return std::string(conninfo.substr(0, end));
}

// libpq's key=value form: the first non-blank word is a keyword followed by '='.
bool IsKeyValueConninfo(std::string_view conninfo) {
  size_t i = 0;
  while (i < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
  size_t keyword_begin = i;
  while (i < conninfo.size() &&
         (std::isalnum(static_cast<unsigned char>(conninfo[i])) || conninfo[i] == '_')) {
    ++i;
  }
  if (i == keyword_begin) return false;
  while (i < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
  return i < conninfo.size() && conninfo[i] == '=';
}

bool IsBlankConninfo(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string LowercaseScheme(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

Result<const Backend*> SelectBackend(const std::string& conninfo) {
  // "" is libpq's PG* environment variables (pg::ResolveConnectionString).
  if (IsBlankConninfo(conninfo)) return static_cast<const Backend*>(&Postgres());
  std::optional<std::string> scheme = ConninfoUrlScheme(conninfo);
  if (!scheme) {
    if (IsKeyValueConninfo(conninfo)) return static_cast<const Backend*>(&Postgres());
    return InvalidInput(fmt::format(
        "the connection string is neither a URL nor a key=value string; zeroshift accepts {}",
        kAcceptedConninfoForms));
  }
  // libpq recognises its URL prefixes in lowercase only.
  if (*scheme == "postgres" || *scheme == "postgresql") {
    return static_cast<const Backend*>(&Postgres());
  }
  std::string lower = LowercaseScheme(*scheme);
  if (lower == "mariadb" || lower == "mysql") return MariadbBackendForUrl(conninfo);
  return InvalidInput(fmt::format("unknown connection URL scheme \"{}://\": zeroshift accepts {}",
                                  *scheme, kAcceptedConninfoForms));
}

}  // namespace zs::backend
