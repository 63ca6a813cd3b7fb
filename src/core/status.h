// The one error type that crosses module boundaries: a code, the SQLSTATE when
// PostgreSQL produced the error, and a message that names the object involved
// and says what to do.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace zs {

enum class Code {
  kOk,
  kInvalidInput,  // the migration file or a flag is wrong; nothing was changed
  kNotFound,      // a table, column, migration... does not exist
  kConflict,      // state forbids it: a migration already active, lock held by another process
  kDatabase,      // PostgreSQL reported an error (sqlstate() tells which)
  kLockTimeout,   // lock_timeout retries were exhausted
  kIo,            // files, processes
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string sqlstate = "")
      : code_(code), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& sqlstate() const { return sqlstate_; }

  // "message" or "message (SQLSTATE 42P01)".
  std::string ToString() const;

  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string sqlstate_;
};

Status InvalidInput(std::string message);
Status NotFound(std::string message);
Status Conflict(std::string message);
Status Internal(std::string message);
Status IoError(std::string message);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace zs

#define ZS_CONCAT_INNER(a, b) a##b
#define ZS_CONCAT(a, b) ZS_CONCAT_INNER(a, b)

#define ZS_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::zs::Status zs_status_ = (expr);        \
    if (!zs_status_.ok()) return zs_status_; \
  } while (0)

#define ZS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define ZS_ASSIGN_OR_RETURN(lhs, expr) \
  ZS_ASSIGN_OR_RETURN_IMPL(ZS_CONCAT(zs_result_, __LINE__), lhs, expr)
