#include "core/status.h"

namespace zs {

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (sqlstate_.empty()) return message_;
  return message_ + " (SQLSTATE " + sqlstate_ + ")";
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_, sqlstate_);
}

Status InvalidInput(std::string message) { return Status(Code::kInvalidInput, std::move(message)); }
Status NotFound(std::string message) { return Status(Code::kNotFound, std::move(message)); }
Status Conflict(std::string message) { return Status(Code::kConflict, std::move(message)); }
Status Internal(std::string message) { return Status(Code::kInternal, std::move(message)); }
Status IoError(std::string message) { return Status(Code::kIo, std::move(message)); }

}  // namespace zs
