// The throwaway PostgreSQL cluster that the tests of one process share
// (servers/temp_cluster.h), and a fresh database on it per test.
#pragma once

#include <string>

#include "servers/temp_cluster.h"

namespace zs::testing {

using servers::ClusterOptions;
using servers::TempCluster;

// One cluster shared by all tests of this process, started on first use and
// stopped at exit. Tests isolate themselves by creating their own database.
TempCluster& SharedCluster();

// A fresh database on the shared cluster with a unique name; returns its URL.
std::string FreshDatabaseUrl();

}  // namespace zs::testing
