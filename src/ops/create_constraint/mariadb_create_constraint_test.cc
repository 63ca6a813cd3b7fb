// create_constraint rebuilds columns through the column swap, which has no
// MariaDB form for constraints: refused before anything runs, naming why.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, CreateConstraintIsRefused) {
  Exec("CREATE TABLE tickets (id int PRIMARY KEY, zip int)");
  Status status = Load(R"yaml(operations:
  - create_constraint:
      type: check
      table: tickets
      name: zip_positive
      columns: [zip]
      check: zip > 0
      up: {zip: zip}
      down: {zip: zip}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("create_constraint: cannot run on MariaDB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("CHECK only by copying the table"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::ops
