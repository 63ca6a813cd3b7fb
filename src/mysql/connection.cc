#include "mysql/connection.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

namespace zs::mysql {

namespace {

constexpr std::string_view kErrorSuffixPrefix = " (MariaDB error ";

// The MariaDB/MySQL schemes ParseUrl accepts, compared case-insensitively.
bool IsMysqlScheme(std::string_view scheme) {
  std::string lower;
  for (char c : scheme)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "mariadb" || lower == "mysql";
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 percent-decoding; `part` names what is decoded, for the message.
Result<std::string> PercentDecodeUrlPart(std::string_view text, std::string_view part) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int high = i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return InvalidInput(fmt::format(
          "the MariaDB URL's {} has a '%' not followed by two hex digits: write a literal '%' "
          "as %25",
          part));
    }
    char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') {
      return InvalidInput(fmt::format("the MariaDB URL's {} contains %00 (a NUL byte)", part));
    }
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

Result<int> ParsePort(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port <= 0 || port > 65535) {
    return InvalidInput(
        "the MariaDB URL's port is not a number from 1 to 65535: write host:port, e.g. "
        "mariadb://app@db.example:3306/app");
  }
  return port;
}

// host[:port], host may be [IPv6].
Status ParseHostPort(std::string_view hostport, ConnectParams& params) {
  std::string_view host = hostport;
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return InvalidInput("the MariaDB URL's IPv6 host has no closing ']'");
    }
    host = hostport.substr(1, close - 1);
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return InvalidInput("the MariaDB URL has text after its IPv6 host");
      port = rest.substr(1);
    }
  } else if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (!host.empty()) {
    ZS_ASSIGN_OR_RETURN(params.host, PercentDecodeUrlPart(host, "host"));
  }
  if (!port.empty()) {
    ZS_ASSIGN_OR_RETURN(params.port, ParsePort(port));
  }
  return Status::Ok();
}

Status ParseUserInfo(std::string_view userinfo, ConnectParams& params) {
  size_t colon = userinfo.find(':');
  ZS_ASSIGN_OR_RETURN(params.user, PercentDecodeUrlPart(userinfo.substr(0, colon), "user name"));
  if (colon != std::string_view::npos) {
    ZS_ASSIGN_OR_RETURN(std::string password,
                        PercentDecodeUrlPart(userinfo.substr(colon + 1), "password"));
    params.password = std::move(password);
  }
  return Status::Ok();
}

// ?socket=PATH; any other parameter is refused by name (it is not secret:
// only the part before '=' is shown).
Status ParseQuery(std::string_view query, ConnectParams& params) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    ZS_ASSIGN_OR_RETURN(std::string key, PercentDecodeUrlPart(pair.substr(0, eq), "parameter"));
    if (key != "socket") {
      std::string shown;
      for (char c : key) shown.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '?');
      return InvalidInput(
          fmt::format("the MariaDB URL has an unknown parameter \"{}\": the only parameter is "
                      "?socket=PATH (a Unix socket)",
                      shown));
    }
    if (eq == std::string_view::npos || eq + 1 == pair.size()) {
      return InvalidInput("the MariaDB URL's ?socket= is empty: give the socket's path");
    }
    ZS_ASSIGN_OR_RETURN(params.socket, PercentDecodeUrlPart(pair.substr(eq + 1), "socket path"));
  }
  return Status::Ok();
}

// Replaces every occurrence of `secret` in `text` by "***".
std::string ScrubSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t pos = 0; (pos = text.find(secret, pos)) != std::string::npos; pos += 3) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

std::string TrimRightSpace(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

// The server's error as a Status: "what: its message[; advice] (MariaDB error N)".
Status ServerError(MYSQL* handle, std::string_view what, std::string_view password,
                   std::string_view advice = "") {
  unsigned int number = mysql_errno(handle);
  std::string message = ScrubSecret(TrimRightSpace(mysql_error(handle)), password);
  return Status(Code::kDatabase,
                fmt::format("{}: {}{}{}{}{})", what, message, advice.empty() ? "" : "; ", advice,
                            kErrorSuffixPrefix, number),
                mysql_sqlstate(handle));
}

// The first line of a statement, shortened, to name it in an error.
std::string StatementForMessage(std::string_view sql) {
  constexpr size_t kMax = 120;
  std::string_view line = sql.substr(0, sql.find('\n'));
  if (line.size() > kMax) return std::string(line.substr(0, kMax)) + "...";
  return std::string(line);
}

size_t Utf8CharCount(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// A UTF-8 lead byte of a 4-byte sequence (U+10000 and above).
bool HasFourByteUtf8(std::string_view text) {
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xF8) == 0xF0) return true;
  }
  return false;
}

}  // namespace

int ErrorNumber(const Status& status) {
  const std::string& message = status.message();
  if (status.ok() || message.empty() || message.back() != ')') return 0;
  size_t at = message.rfind(kErrorSuffixPrefix);
  if (at == std::string::npos) return 0;
  std::string_view digits(message.data() + at + kErrorSuffixPrefix.size(),
                          message.size() - 1 - at - kErrorSuffixPrefix.size());
  int number = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return number;
}

Result<ConnectParams> ParseUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || !IsMysqlScheme(url.substr(0, scheme_end))) {
    return InvalidInput(
        "not a MariaDB URL: write mariadb://user:password@host:port/database (or mysql://; "
        "?socket=PATH for a Unix socket)");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  ConnectParams params;
  // The password may contain '@' only percent-encoded, so the last '@' ends it.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    ZS_RETURN_IF_ERROR(ParseUserInfo(authority.substr(0, at), params));
    authority = authority.substr(at + 1);
  }
  ZS_RETURN_IF_ERROR(ParseHostPort(authority, params));
  ZS_ASSIGN_OR_RETURN(params.database, PercentDecodeUrlPart(path, "database name"));
  if (params.database.find('/') != std::string::npos) {
    return InvalidInput("the MariaDB URL's path has more than one segment: give only /database");
  }
  ZS_RETURN_IF_ERROR(ParseQuery(query, params));
  return params;
}

std::string RedactPassword(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t authority_begin = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url);
  out.replace(authority_begin + colon + 1, at - colon - 1, "***");
  return out;
}

Result<std::string> QuoteIdentifierChecked(std::string_view name) {
  if (name.empty()) return InvalidInput("an empty name cannot be used as a MariaDB identifier");
  if (name.find('\0') != std::string_view::npos) {
    return InvalidInput("a MariaDB identifier cannot contain a NUL byte");
  }
  if (Utf8CharCount(name) > kMaxIdentifierChars) {
    return InvalidInput(
        fmt::format("the name \"{}\" is {} characters long: MariaDB refuses names longer than {}; "
                    "choose a shorter one",
                    name, Utf8CharCount(name), kMaxIdentifierChars));
  }
  if (HasFourByteUtf8(name)) {
    return InvalidInput(fmt::format(
        "the name \"{}\" contains a character outside Unicode's Basic Multilingual Plane (an "
        "emoji, say): MariaDB stores names in utf8mb3 and refuses it (error 1300); choose "
        "another name",
        name));
  }
  if (name.back() == ' ') {
    return InvalidInput(
        fmt::format("the name \"{}\" ends with a space, which MariaDB refuses; remove it", name));
  }
  return QuoteIdentifier(name);
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      case '\\':
      case '\'':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

long long Rows::GetInt(int row, int col) const {
  return std::strtoll(Get(row, col).c_str(), nullptr, 10);
}

int Rows::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<Connection> Connection::Open(std::string_view url, const SessionSettings& settings) {
  ZS_ASSIGN_OR_RETURN(ConnectParams params, ParseUrl(url));
  Result<Connection> conn = Open(params, settings);
  if (!conn.ok()) return conn.status().WithContext("MariaDB URL " + RedactPassword(url));
  return conn;
}

Result<Connection> Connection::Open(const ConnectParams& params, const SessionSettings& settings) {
  MYSQL* raw = mysql_init(nullptr);
  if (raw == nullptr) return Internal("mysql_init failed: out of memory");
  Connection conn(raw, params.password.value_or(""));
  unsigned int protocol = params.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  unsigned int timeout = static_cast<unsigned int>(settings.connect_timeout_s);
  mysql_optionsv(raw, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(raw, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(raw, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(raw, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", settings.program_name.c_str());
  // No option file is read: the URL says everything (mysql_init reads none
  // unless asked to).
  const char* host = params.socket.empty() ? params.host.c_str() : "localhost";
  if (mysql_real_connect(raw, host, params.user.c_str(),
                         params.password ? params.password->c_str() : nullptr,
                         params.database.empty() ? nullptr : params.database.c_str(),
                         static_cast<unsigned int>(params.port),
                         params.socket.empty() ? nullptr : params.socket.c_str(), 0) == nullptr) {
    std::string where = params.socket.empty() ? fmt::format("{}:{}", params.host, params.port)
                                              : fmt::format("the socket {}", params.socket);
    return ServerError(raw,
                       fmt::format("cannot connect to MariaDB at {} as \"{}\"", where,
                                   ScrubSecret(params.user, conn.password_)),
                       conn.password_,
                       "check the host, port, user and password, and that the server runs");
  }
  ZS_RETURN_IF_ERROR(conn.Pin(settings).WithContext("pinning the MariaDB session settings"));
  return conn;
}

Status Connection::Pin(const SessionSettings& settings) {
  ZS_RETURN_IF_ERROR(
      Run("SET SESSION sql_mode = "
          "'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
          "autocommit = 1, time_zone = '+00:00'"));
  if (settings.read_committed) {
    ZS_RETURN_IF_ERROR(Run("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
  }
  if (settings.lock_wait_timeout_s > 0) {
    ZS_RETURN_IF_ERROR(
        Run(fmt::format("SET SESSION lock_wait_timeout = {}", settings.lock_wait_timeout_s)));
  }
  if (settings.innodb_lock_wait_timeout_s > 0) {
    ZS_RETURN_IF_ERROR(Run(fmt::format("SET SESSION innodb_lock_wait_timeout = {}",
                                       settings.innodb_lock_wait_timeout_s)));
  }
  return Status::Ok();
}

Status Connection::LastError(std::string_view what) const {
  return ServerError(handle_.get(), what, password_);
}

Result<Rows> Connection::Exec(std::string_view sql) {
  MYSQL* handle = handle_.get();
  if (mysql_real_query(handle, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    return LastError(ScrubSecret(StatementForMessage(sql), password_));
  }
  Rows rows;
  std::unique_ptr<MYSQL_RES, MysqlResultDeleter> result(mysql_store_result(handle));
  if (!result) {
    if (mysql_field_count(handle) != 0) {
      return LastError("reading the rows of " + ScrubSecret(StatementForMessage(sql), password_));
    }
    rows.affected_rows_ = static_cast<long long>(mysql_affected_rows(handle));
    return rows;
  }
  unsigned int fields = mysql_num_fields(result.get());
  MYSQL_FIELD* field_info = mysql_fetch_fields(result.get());
  for (unsigned int i = 0; i < fields; ++i) rows.names_.emplace_back(field_info[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    std::vector<std::optional<std::string>>& out = rows.values_.emplace_back();
    out.reserve(fields);
    for (unsigned int i = 0; i < fields; ++i) {
      if (row[i] == nullptr) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  return rows;
}

Status Connection::Run(std::string_view sql) { return Exec(sql).status(); }

unsigned long Connection::ConnectionId() const { return mysql_thread_id(handle_.get()); }

unsigned long Connection::ServerVersion() const { return mysql_get_server_version(handle_.get()); }

}  // namespace zs::mysql
