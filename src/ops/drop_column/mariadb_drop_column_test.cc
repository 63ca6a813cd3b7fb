// drop_column on a real MariaDB: nothing at start, DROP COLUMN IF EXISTS at complete (twice).
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropColumnIsSoftAtStartAndDroppedAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, nick text, age int)");
  Exec("CREATE INDEX users_age ON users (age)");
  Status loaded = Load(R"yaml(operations:
  - drop_column: {table: users, column: nick}
  - drop_column: {table: users, column: age}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").size(), 3u);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Columns("users").size(), 3u);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users"), (std::vector<std::string>{"id int(11) NOT NULL"}));
}

}  // namespace
}  // namespace zs::ops
