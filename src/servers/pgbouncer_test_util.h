// For the tests that put a PgBouncer in front of the shared test cluster
// (pg/pooler_test.cc, engine/pooler_lifecycle_test.cc). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "servers/pgbouncer.h"
#include "testing/shared_cluster.h"

namespace zs::servers::test_util {

// A PgBouncer in `pool_mode` for the shared cluster, with extra [databases]
// and [pgbouncer] lines; fails the test and aborts when it does not start.
inline std::unique_ptr<PgBouncer> MustStartPgBouncer(const std::string& pool_mode,
                                                     std::vector<std::string> database_lines = {},
                                                     std::vector<std::string> config_lines = {}) {
  Result<std::unique_ptr<PgBouncer>> bouncer =
      PgBouncer::Start({.server_port = zs::testing::SharedCluster().port(),
                        .pool_mode = pool_mode,
                        .database_lines = std::move(database_lines),
                        .config_lines = std::move(config_lines)});
  EXPECT_TRUE(bouncer.ok()) << bouncer.status().ToString();
  if (!bouncer.ok()) std::abort();
  return std::move(bouncer).value();
}

}  // namespace zs::servers::test_util
