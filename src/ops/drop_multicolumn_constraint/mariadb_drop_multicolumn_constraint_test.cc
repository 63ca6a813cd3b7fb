// drop_multicolumn_constraint on a real MariaDB: both columns are swapped
// without the check, which goes with the old columns at complete; each
// phase twice.
#include "ops/mariadb_ops_fixture.h"

namespace zs::ops {
namespace {

constexpr const char* kMariadbDropZipName = R"yaml(operations:
  - drop_multicolumn_constraint:
      table: tickets
      name: check_zip_name
      up: {sellers_name: sellers_name, sellers_zip: sellers_zip}
      down: {sellers_name: sellers_name, sellers_zip: sellers_zip}
)yaml";

TEST_F(MariadbOps, DropMulticolumnCheckConstraint) {
  Exec(
      "CREATE TABLE tickets (id int PRIMARY KEY, sellers_name varchar(20), sellers_zip int, "
      "CONSTRAINT check_zip_name CHECK (sellers_name = 'alice' OR sellers_zip > 0))");
  Exec("INSERT INTO tickets VALUES (1, 'bob', 3)");
  Status loaded = Load(kMariadbDropZipName);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  Exec("UPDATE tickets SET _zs_new_sellers_name = sellers_name, _zs_new_sellers_zip = sellers_zip");
  RunTwice(Phase::kComplete);
  EXPECT_EQ(Columns("tickets"),
            (std::vector<std::string>{"id int(11) NOT NULL", "sellers_name varchar(20) NULL",
                                      "sellers_zip int(11) NULL"}));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "0");
  Exec("INSERT INTO tickets VALUES (2, 'bob', -1)");
  EXPECT_EQ(Query("SELECT id, sellers_name, sellers_zip FROM tickets ORDER BY id"),
            (std::vector<std::string>{"1|bob|3", "2|bob|-1"}));
}

TEST_F(MariadbOps, DropMulticolumnConstraintRollbackKeepsIt) {
  Exec(
      "CREATE TABLE tickets (id int PRIMARY KEY, sellers_name varchar(20), sellers_zip int, "
      "CONSTRAINT check_zip_name CHECK (sellers_name = 'alice' OR sellers_zip > 0))");
  Status loaded = Load(kMariadbDropZipName);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  RunTwice(Phase::kStart);
  RunTwice(Phase::kRollback);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE "
                  "CONSTRAINT_SCHEMA = DATABASE()"),
            "1");
  EXPECT_EQ(Columns("tickets").size(), 3u);
}

}  // namespace
}  // namespace zs::ops
