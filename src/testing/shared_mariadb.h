// The throwaway MariaDB server that the tests of one process share
// (servers/mariadb_server.h), and a fresh database on it per test.
#pragma once

#include <string>

#include "servers/mariadb_server.h"

namespace zs::testing {

// One server shared by all tests of this process, started on first use and
// stopped at exit; SIGINT, SIGTERM and SIGHUP kill it and remove its directory
// before passing the signal on (to the handler installed before, if any: the
// shared PostgreSQL cluster's installed *after* this one replaces it, and the
// server is then left running). Tests isolate themselves by creating their own
// database.
servers::MariadbServer& SharedMariadbServer();

// A fresh database on the shared server with a unique name; returns its URL.
std::string FreshMariadbDatabaseUrl();

}  // namespace zs::testing
