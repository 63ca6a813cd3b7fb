// drop_multicolumn_constraint rebuilds the columns through the column swap:
// refused on MariaDB before anything runs, naming why.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, DropMulticolumnConstraintIsRefused) {
  Exec(
      "CREATE TABLE tickets (id int PRIMARY KEY, sellers_name text, sellers_zip int, CONSTRAINT "
      "check_zip_name CHECK (sellers_name = 'alice' OR sellers_zip > 0))");
  Status status = Load(R"yaml(operations:
  - drop_multicolumn_constraint:
      table: tickets
      name: check_zip_name
      up: {sellers_name: sellers_name, sellers_zip: sellers_zip}
      down: {sellers_name: sellers_name, sellers_zip: sellers_zip}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("drop_multicolumn_constraint: cannot run on MariaDB"),
            std::string::npos)
      << status.message();
  // Nothing ran.
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "1");
}

}  // namespace
}  // namespace zs::ops
