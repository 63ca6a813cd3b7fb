// The lab's clients on MariaDB: one Connector/C connection each (program_name
// kClientApplicationName), at the server's default isolation (REPEATABLE READ,
// as an application's would be), every request bounded by
// max_statement_time, a version chosen with USE (v1: the URL's database; v2:
// the version's database). Values are quoted with mysql::QuoteLiteral: the
// connector has no parameters outside prepared statements.
#pragma once

#include "lab/client.h"

namespace zs::lab {

const ClientBackend& MariadbClients();

}  // namespace zs::lab
