// The lab's clients on PostgreSQL: one libpq connection each, named
// kClientApplicationName (pg_stat_activity filters on it), every request
// under statement_timeout, a version chosen with search_path.
#pragma once

#include "lab/client.h"

namespace zs::lab {

const ClientBackend& PostgresClients();

}  // namespace zs::lab
