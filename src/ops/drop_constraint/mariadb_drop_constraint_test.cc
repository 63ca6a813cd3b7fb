// drop_constraint rebuilds the column through the column swap: refused on
// MariaDB before anything runs, naming why.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropConstraintIsRefused) {
  Exec(
      "CREATE TABLE posts (id int PRIMARY KEY, title text, CONSTRAINT title_length CHECK "
      "(length(title) > 3))");
  Status status = Load(R"yaml(operations:
  - drop_constraint: {table: posts, name: title_length, up: title, down: title}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("drop_constraint: cannot run on MariaDB"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::ops
