#include "pg/errors.h"

namespace zs::pg {

backend::ErrorClass ClassifySqlstate(std::string_view sqlstate) {
  struct Entry {
    std::string_view sqlstate;
    backend::ErrorClass error_class;
  };
  // PostgreSQL's errcodes (Appendix A). Duplicate object covers every
  // "already exists" of a schema object: a relation (an index name taken,
  // 42P07), a column, a constraint or trigger, a function, a schema.
  static constexpr Entry kEntries[] = {
      {"55P03", backend::ErrorClass::kLockTimeout},            // lock_not_available
      {"40P01", backend::ErrorClass::kDeadlock},               // deadlock_detected
      {"57014", backend::ErrorClass::kStatementTimeout},       // query_canceled
      {"40001", backend::ErrorClass::kSerializationFailure},   // serialization_failure
      {"42P07", backend::ErrorClass::kDuplicateObject},        // duplicate_table
      {"42710", backend::ErrorClass::kDuplicateObject},        // duplicate_object
      {"42701", backend::ErrorClass::kDuplicateObject},        // duplicate_column
      {"42723", backend::ErrorClass::kDuplicateObject},        // duplicate_function
      {"42P06", backend::ErrorClass::kDuplicateObject},        // duplicate_schema
      {"42703", backend::ErrorClass::kUndefinedColumn},        // undefined_column
      {"42501", backend::ErrorClass::kInsufficientPrivilege},  // insufficient_privilege
      {"42804", backend::ErrorClass::kDatatypeMismatch},       // datatype_mismatch
      {"23502", backend::ErrorClass::kNotNullViolation},       // not_null_violation
  };
  for (const Entry& entry : kEntries) {
    if (entry.sqlstate == sqlstate) return entry.error_class;
  }
  return backend::ErrorClass::kOther;
}

backend::ErrorClass ClassifyError(const Status& status) {
  if (status.ok()) return backend::ErrorClass::kOther;
  return ClassifySqlstate(status.sqlstate());
}

}  // namespace zs::pg
