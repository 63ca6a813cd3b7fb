// drop_index on a real MariaDB: DROP INDEX IF EXISTS in place at complete (twice).
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropIndexAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, email varchar(100))");
  Exec("CREATE INDEX users_email ON users (email)");
  Status loaded = Load("operations:\n  - drop_index: {name: users_email}\n");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Indexes("users").size(), 2u);
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Indexes("users"), (std::vector<std::string>{"PRIMARY unique id"}));
}

}  // namespace
}  // namespace zs::ops
