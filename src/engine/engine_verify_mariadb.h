// MariaDB's RowVerifier (engine_verify.h): keyset batches on the walk the
// backfill uses (backfill/mariadb_batch.h: the primary key, else a unique
// NOT NULL key; a table with neither is refused), each batch in its own
// `START TRANSACTION READ ONLY` under READ COMMITTED, so verify never writes
// (a stored function an expression calls that writes fails with 1792) and
// takes no gap locks. A batch reads its upper key bound, then, once per
// expression, the rows of the range that fail it or that it did not run for.
//
// Each expression is evaluated over a derived table `zs_row` whose columns
// are the expression's variables, each bound to its physical column (a `down`
// of alter_column reads `email` from `_zs_new_email`), as the trigger's
// DECLAREd locals are; names of functions resolve in the table's database
// (the session switches to it for the walk, as the trigger's body runs
// there). The stored value and the expression's are compared as the
// trigger's assignment would store them: integers and decimals cast to the
// column's type, temporal values to its type and precision, strings as the
// bytes of the column's character set (a case change is a mismatch even
// under a case-insensitive collation), other types with <=>.
//
// The direction that ran for a row is the marker column's (triggers::
// MarkerColumnName: 1 `up`, 0 `down`, NULL not written since start, checked
// against `up`), as on PostgreSQL; without the marker, a row failing a check
// is a mismatch only when it also fails a check of the other direction.
// READ COMMITTED: the queries of one batch may see a row a concurrent write
// changed in between, which verify reports as that write left it.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "mysql/connection.h"

namespace zs::engine {

// How `expected` (an SQL expression) compares with a stored value of a
// column described by information_schema.COLUMNS (DATA_TYPE, COLUMN_TYPE,
// CHARACTER_SET_NAME, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION):
// an SQL boolean, true when `stored` differs from `expected` as the column
// would store it. Pure.
struct MariadbColumnType {
  std::string data_type;    // "varchar"
  std::string column_type;  // "varchar(100)", "int(10) unsigned"
  std::string charset;      // "" for non-character types
  std::string precision;    // NUMERIC_PRECISION, "" when NULL
  std::string scale;        // NUMERIC_SCALE, "" when NULL
  std::string datetime_precision;
};
// The column's type from information_schema.COLUMNS; nullopt when there is
// no such column.
Result<std::optional<MariadbColumnType>> MariadbColumnTypeOf(mysql::Connection& conn,
                                                             const std::string& schema,
                                                             const std::string& table,
                                                             const std::string& column);
std::string MariadbVerifyDiffers(const std::string& stored, const std::string& expected,
                                 const MariadbColumnType& type);

}  // namespace zs::engine
