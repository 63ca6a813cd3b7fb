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

ErrorClass ClassifySqlstate(std::string_view sqlstate) {
  struct Entry {
    std::string_view sqlstate;
    ErrorClass error_class;
  };
  // PostgreSQL's errcodes (Appendix A). Duplicate object covers every
  // "already exists" of a schema object: a relation (an index name taken,
  // 42P07), a column, a constraint or trigger, a function, a schema.
  static constexpr Entry kEntries[] = {
      {"55P03", ErrorClass::kLockTimeout},            // lock_not_available
      {"40P01", ErrorClass::kDeadlock},               // deadlock_detected
      {"57014", ErrorClass::kStatementTimeout},       // query_canceled
      {"40001", ErrorClass::kSerializationFailure},   // serialization_failure
      {"42P07", ErrorClass::kDuplicateObject},        // duplicate_table
      {"42710", ErrorClass::kDuplicateObject},        // duplicate_object
      {"42701", ErrorClass::kDuplicateObject},        // duplicate_column
      {"42723", ErrorClass::kDuplicateObject},        // duplicate_function
      {"42P06", ErrorClass::kDuplicateObject},        // duplicate_schema
      {"42703", ErrorClass::kUndefinedColumn},        // undefined_column
      {"42501", ErrorClass::kInsufficientPrivilege},  // insufficient_privilege
      {"42804", ErrorClass::kDatatypeMismatch},       // datatype_mismatch
      {"23502", ErrorClass::kNotNullViolation},       // not_null_violation
  };
  for (const Entry& entry : kEntries) {
    if (entry.sqlstate == sqlstate) return entry.error_class;
  }
  return ErrorClass::kOther;
}

ErrorClass ClassifyPostgresError(const Status& status) {
  if (status.ok()) return ErrorClass::kOther;
  return ClassifySqlstate(status.sqlstate());
}

}  // namespace zs::backend
