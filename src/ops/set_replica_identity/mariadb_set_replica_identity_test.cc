// set_replica_identity is PostgreSQL's alone: refused on MariaDB before anything runs.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, SetReplicaIdentityIsRefused) {
  Exec("CREATE TABLE fruits (id int PRIMARY KEY)");
  Status status = Load(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: full, index: ""}}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("set_replica_identity: cannot run on MariaDB: replica "
                                  "identity is PostgreSQL's"),
            std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::ops

namespace zs::ops {
namespace {

TEST_F(MariadbOps, SetReplicaIdentityRefusalNamesTheTableAndEveryPhaseRefuses) {
  Exec("CREATE TABLE fruits (id int PRIMARY KEY)");
  Status status = Load(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: full, index: ""}}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("table \"fruits\""), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("remove the operation"), std::string::npos) << status.message();
  EXPECT_THROW(Actions(Phase::kStart), std::runtime_error);
}

}  // namespace
}  // namespace zs::ops
