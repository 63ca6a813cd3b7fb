// Lifecycle tests of set_replica_identity against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/index_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------- set_replica_identity

TEST_F(IndexOpsLifecycle, SetReplicaIdentityStartAndComplete) {
  CreateFruits();
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity:
      table: fruits
      identity: {type: index, index: fruits_pkey}
)yaml");
  // Applied to the table at start: both versions share it.
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  Exec(*new_, "UPDATE fruits SET price = 2 WHERE id = 1");
  Exec(*old_, "UPDATE fruits SET price = 3 WHERE id = 2");
  Complete();
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRollbackRestoresTheIndexIdentity) {
  CreateFruits();
  Exec(
      "CREATE UNIQUE INDEX fruits_name_key ON fruits (name);"
      "ALTER TABLE fruits REPLICA IDENTITY USING INDEX fruits_name_key");
  std::string before = Fingerprint();
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: FULL, index: ""}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "f");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_name_key");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRollbackRestoresFullAndDefault) {
  CreateFruits();
  Exec("ALTER TABLE fruits REPLICA IDENTITY FULL");
  Start("fruits_identity", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: nothing, index: ""}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "n");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "f");
  ExpectRollbackClean();

  Exec("ALTER TABLE fruits REPLICA IDENTITY DEFAULT");
  Start("fruits_identity_2", R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: fruits_pkey}}
)yaml");
  EXPECT_EQ(ReplicaIdentity("fruits"), "i:fruits_pkey");
  Rollback();
  EXPECT_EQ(ReplicaIdentity("fruits"), "d");
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, SetReplicaIdentityRefusesBadInput) {
  CreateFruits();
  Exec(
      "CREATE INDEX idx_plain ON fruits (name);"
      "CREATE UNIQUE INDEX idx_partial ON fruits (name) WHERE price > 0;"
      "CREATE UNIQUE INDEX idx_nullable ON fruits (tags);");
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: vegetables, identity: {type: full, index: ""}}
)yaml",
                {"table \"vegetables\" does not exist"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: most, index: ""}}
)yaml",
                {"replica identity type \"most\" is not one of default, full, nothing, index"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_missing}}
)yaml",
                {"table \"fruits\" has no index \"idx_missing\""});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_plain}}
)yaml",
                {"must be a valid unique index"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_partial}}
)yaml",
                {"must not be partial"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: idx_nullable}}
)yaml",
                {"its column \"tags\" must be NOT NULL"});
  ExpectRefused(R"yaml(operations:
  - set_replica_identity: {table: fruits, identity: {type: index, index: ""}}
)yaml",
                {"identity type index needs `index`"});
}

}  // namespace
}  // namespace zs::ops
