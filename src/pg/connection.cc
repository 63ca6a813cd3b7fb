#include "pg/connection.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string_view>

#include "pg/quote.h"
#include "pg/session.h"

namespace zs::pg {

namespace {

std::string TrimRight(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

std::string Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value == nullptr ? "" : TrimRight(value);
}

// "primary; DETAIL: ...; HINT: ..." on one line. Falls back to the full
// libpq text when the server sent no structured fields (e.g. a lost connection).
std::string ErrorMessage(const PGresult* result, PGconn* conn) {
  std::string primary = result ? Field(result, PG_DIAG_MESSAGE_PRIMARY) : "";
  if (primary.empty()) {
    primary = result ? TrimRight(PQresultErrorMessage(result)) : "";
    if (primary.empty() && conn != nullptr) primary = TrimRight(PQerrorMessage(conn));
    if (primary.empty()) primary = "unknown libpq error";
    return primary;
  }
  std::string message = primary;
  if (std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    message += "; DETAIL: " + detail;
  }
  if (std::string hint = Field(result, PG_DIAG_MESSAGE_HINT); !hint.empty()) {
    message += "; HINT: " + hint;
  }
  return message;
}

bool IsSuccess(ExecStatusType status) {
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY ||
         status == PGRES_SINGLE_TUPLE;
}

const char* NonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? value : nullptr;
}

// Replaces the value of every `password=` parameter. `separators` end an
// unquoted value: whitespace in key=value strings, '&' in URL query strings.
std::string RedactPasswordParams(std::string text, std::string_view separators) {
  static constexpr std::string_view kKey = "password";
  size_t pos = 0;
  while ((pos = text.find(kKey, pos)) != std::string::npos) {
    bool at_boundary = pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\t' ||
                       text[pos - 1] == '?' || text[pos - 1] == '&';
    size_t eq = text.find_first_not_of(" \t", pos + kKey.size());
    if (!at_boundary || eq == std::string::npos || text[eq] != '=') {
      pos += kKey.size();
      continue;
    }
    size_t begin = text.find_first_not_of(" \t", eq + 1);
    if (begin == std::string::npos) break;
    size_t end;
    if (text[begin] == '\'') {  // quoted value: backslash escapes ' and '\'
      end = begin + 1;
      while (end < text.size() && text[end] != '\'') end += (text[end] == '\\') ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      end = text.find_first_of(separators, begin);
      if (end == std::string::npos) end = text.size();
    }
    text.replace(begin, end - begin, "***");
    pos = begin + 3;
  }
  return text;
}

// postgres://user:secret@host/db -> postgres://user:***@host/db
std::string RedactUrlUserInfo(std::string url, size_t authority_begin) {
  size_t query = url.find('?', authority_begin);
  size_t at = url.rfind('@', query == std::string::npos ? std::string::npos : query);
  // No '@' before the '?': the password itself may hold the '?'.
  if (at == std::string::npos || at < authority_begin) at = url.rfind('@');
  if (at == std::string::npos || at < authority_begin) return url;
  size_t colon = url.find(':', authority_begin);
  if (colon == std::string::npos || colon > at) return url;
  url.replace(colon + 1, at - colon - 1, "***");
  return url;
}

// [begin, end) of one secret inside a connection string.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// Any scheme, not only postgres(ql)://: a URL of another scheme (mariadb://)
// reaches libpq's messages too, and its password must not.
bool IsUrl(const std::string& conninfo, size_t* authority_begin) {
  size_t end = conninfo.find("://");
  if (end == std::string::npos || end == 0 ||
      !std::isalpha(static_cast<unsigned char>(conninfo[0]))) {
    return false;
  }
  for (size_t i = 1; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(conninfo[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  *authority_begin = end + 3;
  return true;
}

// Where the values of `password` parameters lie (URL query or key=value form).
void PasswordParamSpans(const std::string& text, std::string_view separators,
                        std::vector<Span>& spans) {
  static constexpr std::string_view kKey = "password";
  size_t pos = 0;
  while ((pos = text.find(kKey, pos)) != std::string::npos) {
    bool at_boundary = pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\t' ||
                       text[pos - 1] == '?' || text[pos - 1] == '&' || text[pos - 1] == '\n';
    size_t eq = text.find_first_not_of(" \t", pos + kKey.size());
    pos += kKey.size();
    if (!at_boundary || eq == std::string::npos || text[eq] != '=') continue;
    size_t begin = text.find_first_not_of(" \t", eq + 1);
    if (begin == std::string::npos) break;
    size_t end;
    if (text[begin] == '\'') {
      end = begin + 1;
      while (end < text.size() && text[end] != '\'') end += (text[end] == '\\') ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      end = text.find_first_of(separators, begin);
      if (end == std::string::npos) end = text.size();
    }
    spans.push_back({begin, end});
  }
}

// Every part of `conninfo` that may hold a password. Ambiguous input is read
// the widest way: in a URL, from the first ':' of the authority up to the
// LAST '@' anywhere (a password may hold an unencoded '@', '/' or '?'; libpq
// then splits it somewhere else and echoes the pieces).
std::vector<Span> SecretSpans(const std::string& conninfo) {
  std::vector<Span> spans;
  size_t authority = 0;
  if (IsUrl(conninfo, &authority)) {
    size_t at = conninfo.rfind('@');
    size_t colon = conninfo.find(':', authority);
    if (at != std::string::npos && at > authority && colon != std::string::npos && colon < at) {
      spans.push_back({colon + 1, at});
    }
    PasswordParamSpans(conninfo, "&#", spans);
  } else {
    PasswordParamSpans(conninfo, " \t\n", spans);
  }
  return spans;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX-decoded `text`; undecodable escapes are kept as they are.
std::string PercentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
}

// `fragment` (a piece of `conninfo` that starts at `offset`) with every part
// that falls inside a secret span replaced by "***".
std::string MaskFragment(const std::string& fragment, size_t offset,
                         const std::vector<Span>& spans) {
  std::string out;
  bool in_secret = false;
  for (size_t i = 0; i < fragment.size(); ++i) {
    size_t at = offset + i;
    bool secret = std::any_of(spans.begin(), spans.end(),
                              [&](const Span& s) { return at >= s.begin && at < s.end; });
    if (secret && !in_secret) out += "***";
    if (!secret) out += fragment[i];
    in_secret = secret;
  }
  return out;
}

// libpq quotes what it could not parse ("..."): any quoted piece of the
// message that is a piece of `conninfo` touching a secret is masked.
std::string MaskQuotedFragments(const std::string& message, const std::string& conninfo,
                                const std::vector<Span>& spans) {
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t open = message.find('"', pos);
    if (open == std::string::npos) break;
    size_t close = message.find('"', open + 1);
    if (close == std::string::npos) break;
    out.append(message, pos, open + 1 - pos);
    std::string fragment = message.substr(open + 1, close - open - 1);
    std::string masked = fragment;
    if (!fragment.empty()) {
      for (size_t at = conninfo.find(fragment); at != std::string::npos;
           at = conninfo.find(fragment, at + 1)) {
        std::string candidate = MaskFragment(fragment, at, spans);
        if (candidate != fragment) {
          masked = candidate;
          break;
        }
      }
    }
    out += masked + '"';
    pos = close + 1;
  }
  out.append(message, std::min(pos, message.size()), std::string::npos);
  return out;
}

}  // namespace

// ---- Rows -------------------------------------------------------------------

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }
int Rows::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

bool Rows::IsNull(int row, int col) const {
  return !result_ || PQgetisnull(result_.get(), row, col) == 1;
}

std::string Rows::Get(int row, int col) const {
  if (IsNull(row, col)) return "";
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

std::optional<std::string> Rows::GetOptional(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Get(row, col);
}

int Rows::ColumnIndex(const std::string& name) const {
  if (!result_) return -1;
  for (int col = 0; col < columns(); ++col) {
    if (name == PQfname(result_.get(), col)) return col;  // exact, unlike PQfnumber's folding
  }
  return -1;
}

std::string Rows::Get(int row, const std::string& column) const {
  int col = ColumnIndex(column);
  return col < 0 ? "" : Get(row, col);
}

long long Rows::GetInt(int row, int col) const {
  return IsNull(row, col) ? 0 : std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10);
}

bool Rows::GetBool(int row, int col) const {
  return !IsNull(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

long long Rows::AffectedRows() const {
  if (!result_) return 0;
  const char* text = PQcmdTuples(result_.get());
  return (text == nullptr || *text == '\0') ? 0 : std::strtoll(text, nullptr, 10);
}

// ---- Connection -------------------------------------------------------------

Result<Connection> Connection::Open(const std::string& conninfo, const SessionSettings& settings) {
  Connection conn(PQconnectdb(conninfo.c_str()));
  if (!conn.conn_) return Status(Code::kDatabase, "out of memory allocating a libpq connection");
  if (PQstatus(conn.raw()) != CONNECTION_OK) {
    std::string target = conninfo.empty() ? "(PG* environment)" : RedactPassword(conninfo);
    // libpq's message may echo parts of the conninfo, so it is redacted too.
    return Status(Code::kDatabase,
                  "cannot connect to " + target + ": " +
                      RedactSecrets(TrimRight(PQerrorMessage(conn.raw())), conninfo));
  }
  std::string pin = "SET application_name = " + QuoteLiteral(settings.application_name) +
                    "; SET lock_timeout = " + MillisecondsLiteral(settings.lock_timeout) +
                    "; SET statement_timeout = " + MillisecondsLiteral(settings.statement_timeout) +
                    "; SET standard_conforming_strings = on"
                    "; SET client_min_messages = warning";
  ZS_RETURN_IF_ERROR(conn.Run(pin).WithContext("pinning session settings"));
  return conn;
}

Result<Rows> Connection::Check(PGresult* result, const std::string& sql) {
  Rows rows(result);  // owns `result` from here on, whatever happens
  if (result != nullptr && IsSuccess(PQresultStatus(result))) return rows;
  std::string sqlstate = result ? Field(result, PG_DIAG_SQLSTATE) : "";
  (void)sql;  // callers add context; SQL text can be long and hold user data
  return Status(Code::kDatabase, ErrorMessage(result, conn_.get()), sqlstate);
}

Result<Rows> Connection::Exec(const std::string& sql) {
  if (!conn_) return Internal("Exec on a moved-from Connection");
  return Check(PQexec(conn_.get(), sql.c_str()), sql);
}

Result<Rows> Connection::ExecParams(const std::string& sql,
                                    const std::vector<std::optional<std::string>>& params) {
  if (!conn_) return Internal("ExecParams on a moved-from Connection");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                  /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                  /*paramFormats=*/nullptr, /*resultFormat=*/0);
  return Check(result, sql);
}

Status Connection::Run(const std::string& sql) { return Exec(sql).status(); }

Status Connection::RunParams(const std::string& sql,
                             const std::vector<std::optional<std::string>>& params) {
  return ExecParams(sql, params).status();
}

Status Connection::SetLockTimeout(std::chrono::milliseconds timeout) {
  return Run("SET lock_timeout = " + MillisecondsLiteral(timeout));
}

Status Connection::SetStatementTimeout(std::chrono::milliseconds timeout) {
  return Run("SET statement_timeout = " + MillisecondsLiteral(timeout));
}

int Connection::BackendPid() const { return conn_ ? PQbackendPID(conn_.get()) : 0; }
int Connection::ServerVersion() const { return conn_ ? PQserverVersion(conn_.get()) : 0; }

bool Connection::InTransaction() const {
  if (!conn_) return false;
  PGTransactionStatusType status = PQtransactionStatus(conn_.get());
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

// ---- Connection strings -----------------------------------------------------

std::string ResolveConnectionString(const std::string& explicit_url) {
  if (!explicit_url.empty()) return explicit_url;
  if (const char* url = NonEmptyEnv("ZEROSHIFT_POSTGRES_URL")) return url;
  if (const char* url = NonEmptyEnv("DATABASE_URL")) return url;
  return "";
}

std::string RedactPassword(const std::string& conninfo) {
  size_t authority = 0;
  if (IsUrl(conninfo, &authority)) {
    return RedactPasswordParams(RedactUrlUserInfo(conninfo, authority), "&#");
  }
  return RedactPasswordParams(conninfo, " \t\n");
}

std::string RedactSecrets(const std::string& message, const std::string& conninfo) {
  std::vector<Span> spans = SecretSpans(conninfo);
  std::string out = MaskQuotedFragments(message, conninfo, spans);
  // Whatever libpq echoed unquoted, raw or decoded: every secret of three or
  // more bytes is masked wherever it appears (shorter ones would garble the text).
  for (const Span& span : spans) {
    std::string raw = conninfo.substr(span.begin, span.end - span.begin);
    if (!raw.empty() && raw.front() == '\'' && raw.size() >= 2) raw = raw.substr(1, raw.size() - 2);
    for (const std::string& secret : {raw, PercentDecoded(raw)}) {
      if (secret.size() >= 3) ReplaceAll(out, secret, "***");
    }
  }
  return RedactPassword(out);
}

}  // namespace zs::pg
