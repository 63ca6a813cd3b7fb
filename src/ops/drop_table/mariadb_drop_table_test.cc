// drop_table on a real MariaDB: DROP TABLE IF EXISTS at complete (twice).
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropTableAtComplete) {
  Exec("CREATE TABLE old_logs (id int PRIMARY KEY)");
  Exec("CREATE TABLE keep (id int PRIMARY KEY)");
  Status loaded = Load("operations:\n  - drop_table: {name: old_logs}\n");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"keep", "old_logs"}));
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"keep"}));
}

}  // namespace
}  // namespace zs::ops
