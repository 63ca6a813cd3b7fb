// rename_constraint: refused on MariaDB (no in-place rename), before anything runs.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

TEST_F(MariadbOps, RenameConstraintIsRefused) {
  Exec(
      "CREATE TABLE people (id int PRIMARY KEY, name text, CONSTRAINT name_length CHECK "
      "(length(name) > 2))");
  Status status = Load(R"yaml(operations:
  - rename_constraint: {table: people, from: name_length, to: name_length_check}
)yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(
      status.message().find("rename_constraint: cannot run on MariaDB: MariaDB cannot rename"),
      std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace zs::ops
