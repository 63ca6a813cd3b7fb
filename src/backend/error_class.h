// What went wrong with a statement, in terms every database can answer: the
// engine, the backfill, the rehearsal and the lab decide whether to retry,
// skip or explain an error from its class, never from one database's codes.
// Each backend maps its own codes (PostgreSQL's SQLSTATE, MariaDB's error
// numbers) onto these classes; see Backend::Classify.
#pragma once

#include <string_view>

#include "core/status.h"

namespace zs::backend {

enum class ErrorClass {
  kLockTimeout,           // a lock wait was bounded and ran out (PG 55P03; MariaDB 1205)
  kDeadlock,              // the server broke a deadlock (PG 40P01; MariaDB 1213)
  kStatementTimeout,      // statement timeout or query cancelled (PG 57014; MariaDB 1969)
  kSerializationFailure,  // PG 40001: retry the transaction
  kDuplicateObject,       // the table, index, column... already exists
  kUndefinedColumn,       // a column named in the statement does not exist
  kInsufficientPrivilege,
  kDatatypeMismatch,  // an expression's type does not fit where it goes
  kNotNullViolation,  // a NULL reached a NOT NULL column
  kOther,             // anything else, and success
};

// "lock timeout", "deadlock", ...: for messages and test output.
std::string_view ErrorClassName(ErrorClass error_class);

// A lock wait that gave up or was broken: nothing but the wait went wrong, so
// trying again later may succeed (the DDL runner's and the rehearsal's retry).
bool IsLockFailure(ErrorClass error_class);

}  // namespace zs::backend
