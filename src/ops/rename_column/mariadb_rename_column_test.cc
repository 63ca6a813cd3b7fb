// rename_column on a real MariaDB: an INSTANT RENAME COLUMN IF EXISTS at complete (twice).
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RenameColumnAtComplete) {
  Exec("CREATE TABLE users (id int PRIMARY KEY, name text)");
  Exec("INSERT INTO users VALUES (1, 'Ada')");
  Status loaded = Load(R"yaml(operations:
  - rename_column: {table: users, from: name, to: full_name}
)yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  EXPECT_EQ(Columns("users").back(), "name text NULL");
  std::string plan = FormatActions(Actions(Phase::kComplete));
  EXPECT_NE(plan.find("RENAME COLUMN IF EXISTS `name` TO `full_name`, ALGORITHM=INSTANT"),
            std::string::npos)
      << plan;
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("users").back(), "full_name text NULL");
  EXPECT_EQ(Value("SELECT full_name FROM users"), "Ada");
}

}  // namespace
}  // namespace zs::ops
