// The seed's `users` table on MariaDB: id BIGINT AUTO_INCREMENT PRIMARY KEY,
// name VARCHAR NOT NULL ("Alice Smith"), visits INT. The same 16 x 16 names as
// the PostgreSQL table (users_table.h), so a row's name is a function of its id.
#pragma once

#include <functional>

#include "core/status.h"
#include "mysql/connection.h"

namespace zs::lab {

// Creates `users` in the connection's database (kDuplicateObject-class error
// 1050 when it exists: the lab never replaces a table) and loads `rows` rows
// with multi-row INSERT ... SELECT from the Sequence engine's seq_<from>_to_<to>
// table, a million rows per statement in id order (InnoDB appends to the
// clustered index). `progress` gets the rows loaded so far.
Status MariadbLoadUsers(mysql::Connection& conn, long long rows,
                        const std::function<void(long long loaded)>& progress = {});

}  // namespace zs::lab
