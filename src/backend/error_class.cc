#include "backend/error_class.h"

namespace zs::backend {

std::string_view ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kLockTimeout:
      return "lock timeout";
    case ErrorClass::kDeadlock:
      return "deadlock";
    case ErrorClass::kStatementTimeout:
      return "statement timeout";
    case ErrorClass::kSerializationFailure:
      return "serialization failure";
    case ErrorClass::kDuplicateObject:
      return "duplicate object";
    case ErrorClass::kUndefinedColumn:
      return "undefined column";
    case ErrorClass::kInsufficientPrivilege:
      return "insufficient privilege";
    case ErrorClass::kDatatypeMismatch:
      return "datatype mismatch";
    case ErrorClass::kNotNullViolation:
      return "not-null violation";
    case ErrorClass::kOther:
      return "other";
  }
  return "other";
}

bool IsLockFailure(ErrorClass error_class) {
  return error_class == ErrorClass::kLockTimeout || error_class == ErrorClass::kDeadlock;
}

}  // namespace zs::backend
