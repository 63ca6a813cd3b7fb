// Lifecycle tests of drop_index against a real PostgreSQL: after start the old
// shape and the new version are both readable and writable and each sees the
// other's writes (up/down applied); complete leaves the final physical shape;
// rollback leaves the table as it was; bad input is refused before anything
// changes.
#include "ops/index_lifecycle_fixture.h"

namespace zs::ops {
namespace {

// ------------------------------------------------------------------ drop_index

constexpr const char* kDropNameIndex = R"yaml(operations:
  - drop_index:
      name: idx_fruits_name
)yaml";

TEST_F(IndexOpsLifecycle, DropIndexStartAndComplete) {
  CreateFruits();
  Exec("CREATE INDEX idx_fruits_name ON fruits (name)");
  Start("drop_fruits_name", kDropNameIndex);
  // The old version may still rely on it: it stays until complete.
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  Exec(*new_, "INSERT INTO fruits (id, name, price) VALUES (4, 'date', 2)");
  Exec(*old_, "INSERT INTO fruits (id, name, price) VALUES (5, 'fig', 2)");
  EXPECT_EQ(Value(*new_, "SELECT count(*) FROM fruits"), "5");
  Complete();
  EXPECT_EQ(IndexState("idx_fruits_name"), "absent");
  EXPECT_EQ(IndexState("fruits_pkey"), "valid");
  ExpectCompleteClean();
}

TEST_F(IndexOpsLifecycle, DropIndexRollback) {
  CreateFruits();
  Exec("CREATE INDEX idx_fruits_name ON fruits (name)");
  std::string before = Fingerprint();
  Start("drop_fruits_name", kDropNameIndex);
  Rollback();
  EXPECT_EQ(IndexState("idx_fruits_name"), "valid");
  EXPECT_EQ(Fingerprint(), before);
  ExpectRollbackClean();
}

TEST_F(IndexOpsLifecycle, DropIndexRefusesBadInput) {
  CreateFruits();
  ExpectRefused(kDropNameIndex, {"index \"idx_fruits_name\" does not exist in schema \"public\""});
  ExpectRefused(R"yaml(operations:
  - drop_index: {name: fruits_pkey}
)yaml",
                {"belongs to constraint \"fruits_pkey\"", "drop_constraint"});
}

}  // namespace
}  // namespace zs::ops
