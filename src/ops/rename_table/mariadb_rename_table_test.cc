// rename_table on a real MariaDB: RENAME TABLE IF EXISTS at complete (twice).
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RenameTableAtComplete) {
  Exec("CREATE TABLE people (id int PRIMARY KEY)");
  Exec("INSERT INTO people VALUES (1)");
  Status loaded = Load("operations:\n  - rename_table: {from: people, to: persons}\n");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"people"}));
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Tables(), (std::vector<std::string>{"persons"}));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM persons"), "1");
}

}  // namespace
}  // namespace zs::ops
